import type { Command } from 'commander';
import { getOrCreate, invalidParameter } from '../../core/errors.js';
import { parseModelRef } from '../../registry/model-ref.js';
import type { Promotion } from '../../registry/types.js';
import type { Tag } from '../../tracking/types.js';
import {
  collectPages,
  positiveInteger,
  print,
  printJson,
  repeatable,
  trackingCommand,
  withBackend,
  type CommonOptions,
} from '../command-context.js';
import { renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';
import { registerModelsConvertCommands } from './models-convert.js';
import { registerModelsGateCommand } from './models-gate.js';
import { renderModel, renderVersion } from './models-render.js';

const listHint = 'see `mloop models list`';

/** `mloop models …`: the model registry — list, show, register, alias, history, delete. */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command('models')
    .description('The model registry: versions of trained models, their lineage, aliases and promotions')
    .addHelpText(
      'after',
      '\nMODEL arguments take NAME, NAME/VERSION or NAME@ALIAS (also with a models:/ prefix).\n',
    );

  trackingCommand(models.command('list').description('List registered models'), [
    'mloop models list',
    'mloop models list --filter "name LIKE \'churn%\'" --json',
  ])
    .option('--filter <filter>', "name = '…', name LIKE '…' or tags.KEY = '…', joined by AND")
    .option('--max-results <n>', 'at most this many models', positiveInteger('--max-results'), 1000)
    .action(async (opts: CommonOptions & { filter?: string; maxResults: number }) => {
      const items = await withBackend(opts, (backend) =>
        collectPages(opts.maxResults, (pageToken, maxResults) =>
          backend.models.search({
            ...(opts.filter ? { filter: opts.filter } : {}),
            maxResults,
            ...(pageToken ? { pageToken } : {}),
          }),
        ),
      );
      if (opts.json) return printJson(items);
      if (items.length === 0)
        return print(
          'No registered models. Register one with `mloop models register --run RUN --path PATH NAME`.',
        );
      print(
        renderTable(
          ['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
          items.map((m) => [
            m.name,
            m.latestVersion === undefined ? '-' : String(m.latestVersion),
            m.aliases.map((a) => `${a.alias}→${a.version}`).join(', ') || '-',
            formatTime(m.lastUpdatedTime),
            m.description ?? '',
          ]),
        ),
      );
    });

  trackingCommand(
    models
      .command('show')
      .argument('<model>', 'NAME, NAME/VERSION or NAME@ALIAS')
      .description('Show a model and its versions, or one version with its lineage and inputs'),
    ['mloop models show churn', 'mloop models show churn/3', 'mloop models show churn@champion --json'],
  ).action(async (ref: string, opts: CommonOptions) => {
    if (!ref.includes('/') && !ref.includes('@')) {
      const { model, versions } = await withBackend(
        opts,
        async (backend) => ({
          model: await backend.models.get(ref),
          versions: await collectPages(10_000, (pageToken, maxResults) =>
            backend.models.listVersions(ref, { maxResults, ...(pageToken ? { pageToken } : {}) }),
          ),
        }),
        listHint,
      );
      if (opts.json) return printJson({ ...model, versions });
      return print(renderModel(model, versions));
    }
    const version = await withBackend(opts, (backend) => backend.models.resolve(ref), listHint);
    if (opts.json) return printJson(version);
    print(renderVersion(version));
  });

  trackingCommand(
    models
      .command('register')
      .argument('<name>', 'registered model name (created when missing)')
      .description("Register a run's model files as the model's next version"),
    [
      'mloop models register --run 4f3c2a… --path model churn',
      'mloop models register --source models:/m-1a2b… churn --description "retrained on March data"',
    ],
  )
    .option('--run <run-id>', 'the run that logged the model')
    .option('--path <path>', "the model's directory in the run's artifacts (with --run)")
    .option(
      '--source <uri>',
      'instead of --run/--path: runs:/RUN/PATH, models:/MODEL_ID or mlflow-artifacts:/…',
    )
    .option('--description <text>', 'what is new in this version')
    .option('--tag <key=value>', 'a version tag (repeatable)', repeatable)
    .action(
      async (
        name: string,
        opts: CommonOptions & {
          run?: string;
          path?: string;
          source?: string;
          description?: string;
          tag?: string[];
        },
      ) => {
        if (!opts.source && !(opts.run && opts.path !== undefined)) {
          throw invalidParameter('run', 'name the files with --run RUN --path PATH, or with --source URI');
        }
        const version = await withBackend(opts, async (backend) => {
          await getOrCreate(
            () => backend.models.get(name),
            () => backend.models.create({ name }),
          );
          return backend.models.createVersion(name, {
            ...(opts.source
              ? { source: opts.source }
              : { runId: opts.run ?? '', artifactPath: opts.path ?? '' }),
            ...(opts.description ? { description: opts.description } : {}),
            tags: (opts.tag ?? []).map(parseTag),
          });
        });
        if (opts.json) return printJson(version);
        print(
          `Registered ${version.name} version ${version.version} from ${version.source} (${version.status}).`,
        );
        if (version.statusMessage) print(version.statusMessage);
        print(
          `Point an alias at it with \`mloop models alias ${version.name} champion ${version.version} --reason "…"\`.`,
        );
      },
    );

  trackingCommand(
    models
      .command('alias')
      .argument('<name>', 'registered model name')
      .argument('<alias>', 'e.g. champion, production')
      .argument('[version]', 'the version the alias will point at')
      .description('Move an alias to a version (or remove it), recording who, when and why'),
    [
      'mloop models alias churn champion 3 --reason "AUC 0.91 vs 0.88 on the March holdout"',
      'mloop models alias churn challenger --remove --reason "experiment over"',
      'mloop models alias churn production 5 --force --reason "hotfix; gate latency flaked"',
    ],
  )
    .option('--reason <text>', 'why: kept in the promotion history')
    .option('--remove', 'remove the alias instead of moving it')
    .option('--force', 'move production/champion past a failed or missing evaluation gate (needs --reason)')
    .action(
      async (
        name: string,
        alias: string,
        version: string | undefined,
        opts: CommonOptions & { reason?: string; remove?: boolean; force?: boolean },
      ) => {
        if (!opts.remove && version === undefined)
          throw invalidParameter('version', 'give the VERSION to point the alias at, or --remove');
        const reason = {
          ...(opts.reason ? { reason: opts.reason } : {}),
          ...(opts.force ? { force: true } : {}),
        };
        const promotion = await withBackend(
          opts,
          (backend) =>
            opts.remove
              ? backend.models.deleteAlias(name, alias, reason)
              : backend.models.setAlias(name, alias, positiveInteger('version')(version ?? ''), reason),
          listHint,
        );
        if (opts.json) return printJson(promotion ?? null);
        if (!promotion)
          return print(
            opts.remove
              ? `${name} has no alias ${alias}.`
              : `${name}@${alias} already points at version ${version}.`,
          );
        print(`${name}@${alias}: ${describeMove(promotion)}`);
      },
    );

  trackingCommand(
    models
      .command('history')
      .argument('<name>', 'registered model name (also of a deleted model)')
      .description('Every alias move and stage transition of a model, newest first'),
    ['mloop models history churn', 'mloop models history churn --alias champion --json'],
  )
    .option('--alias <alias>', 'only the moves of this alias')
    .action(async (name: string, opts: CommonOptions & { alias?: string }) => {
      const promotions = await withBackend(
        opts,
        (backend) => backend.models.history(name, opts.alias ? { alias: opts.alias } : {}),
        listHint,
      );
      if (opts.json) return printJson(promotions);
      if (promotions.length === 0) return print(`No alias of ${name} has moved yet.`);
      print(
        renderTable(
          ['TIME', 'ALIAS', 'FROM', 'TO', 'ACTOR', 'REASON'],
          promotions.map((p) => [
            formatTime(p.time),
            p.kind === 'stage' ? `stage ${p.alias}` : p.alias,
            p.fromVersion === undefined ? '-' : String(p.fromVersion),
            p.toVersion === undefined ? '-' : String(p.toVersion),
            p.actor,
            p.reason ?? '',
          ]),
        ),
      );
    });

  trackingCommand(
    models
      .command('delete')
      .argument('<model>', 'NAME (the model and all its versions) or NAME/VERSION')
      .description('Delete a model or one version; the promotion history stays'),
    ['mloop models delete churn/2 --reason "trained on leaked labels"', 'mloop models delete old-churn'],
  )
    .option('--reason <text>', 'why: recorded for aliases that pointed at what is deleted')
    .action(async (ref: string, opts: CommonOptions & { reason?: string }) => {
      const target = ref.includes('/') ? parseModelRef(ref) : undefined;
      if (target && !('version' in target))
        throw invalidParameter('model', `give NAME or NAME/VERSION, got "${ref}"`);
      await withBackend(
        opts,
        (backend) =>
          target && 'version' in target
            ? backend.models.deleteVersion(
                target.name,
                target.version,
                opts.reason ? { reason: opts.reason } : {},
              )
            : backend.models.delete(ref),
        listHint,
      );
      if (opts.json) return printJson({ deleted: ref });
      print(`Deleted ${ref}; its alias history stays: \`mloop models history ${target?.name ?? ref}\`.`);
    });

  registerModelsGateCommand(models);
  registerModelsConvertCommands(models);
}

function parseTag(text: string): Tag {
  const eq = text.indexOf('=');
  if (eq <= 0) throw invalidParameter('tag', `--tag takes KEY=VALUE, got "${text}"`);
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

function describeMove(p: Promotion): string {
  const from = p.fromVersion === undefined ? 'new' : `version ${p.fromVersion}`;
  const to = p.toVersion === undefined ? 'removed' : `version ${p.toVersion}`;
  return `${from} → ${to}${p.reason ? ` (${p.reason})` : ''}`;
}
