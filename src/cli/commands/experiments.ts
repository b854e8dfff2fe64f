import type { Command } from 'commander';
import { invalidParameter } from '../../core/errors.js';
import type { Experiment, Tag } from '../../tracking/types.js';
import {
  collectPages,
  positiveInteger,
  print,
  printJson,
  repeatable,
  resolveExperiment,
  trackingCommand,
  viewType,
  withBackend,
  type CommonOptions,
} from '../command-context.js';
import { renderFields, renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';

const listHint = 'see `mloop experiments list --view all`';

/** `mloop experiments …`: list, show, create, rename, delete, restore and tag experiments. */
export function registerExperimentsCommand(program: Command): void {
  const experiments = program
    .command('experiments')
    .description('Manage experiments: named groups of runs')
    .addHelpText('after', '\nEXPERIMENT arguments take an experiment name or id.\n');

  trackingCommand(experiments.command('list').description('List experiments'), [
    'mloop experiments list',
    'mloop experiments list --filter "name LIKE \'churn%\'" --json',
  ])
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--filter <filter>', "name = '…', name LIKE '…' or tags.KEY = '…', joined by AND")
    .option('--order-by <clause>', 'e.g. "name ASC" (repeatable)', repeatable)
    .option('--max-results <n>', 'at most this many experiments', positiveInteger('--max-results'), 1000)
    .action(
      async (
        opts: CommonOptions & { view: string; filter?: string; orderBy?: string[]; maxResults: number },
      ) => {
        const items = await withBackend(opts, (backend) =>
          collectPages(opts.maxResults, (pageToken, maxResults) =>
            backend.experiments.search({
              viewType: viewType(opts.view),
              ...(opts.filter ? { filter: opts.filter } : {}),
              ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
              maxResults,
              ...(pageToken ? { pageToken } : {}),
            }),
          ),
        );
        if (opts.json) return printJson(items);
        if (items.length === 0)
          return print('No experiments. Create one with `mloop experiments create NAME`.');
        print(
          renderTable(
            ['ID', 'NAME', 'STAGE', 'CREATED', 'TAGS'],
            items.map((e) => [
              e.experimentId,
              e.name,
              e.lifecycleStage,
              formatTime(e.creationTime),
              formatTags(e.tags),
            ]),
          ),
        );
      },
    );

  trackingCommand(
    experiments.command('show').argument('<experiment>', 'name or id').description('Show an experiment'),
    ['mloop experiments show churn', 'mloop experiments show 0 --json'],
  ).action(async (ref: string, opts: CommonOptions) => {
    const experiment = await withBackend(opts, (backend) => resolveExperiment(backend, ref));
    output(opts, experiment);
  });

  trackingCommand(
    experiments
      .command('create')
      .argument('<name>', 'a name not used by any experiment')
      .description('Create an experiment'),
    ['mloop experiments create churn --tag team=growth'],
  )
    .option('--tag <key=value>', 'a tag to set (repeatable)', repeatable)
    .option('--artifact-location <uri>', 'where its runs store artifacts (default: this store)')
    .action(async (name: string, opts: CommonOptions & { tag?: string[]; artifactLocation?: string }) => {
      const tags = (opts.tag ?? []).map(parseTag);
      const experiment = await withBackend(opts, (backend) =>
        backend.experiments.create({
          name,
          tags,
          ...(opts.artifactLocation ? { artifactLocation: opts.artifactLocation } : {}),
        }),
      );
      output(opts, experiment, `Created experiment '${experiment.name}' with id ${experiment.experimentId}.`);
    });

  trackingCommand(
    experiments
      .command('rename')
      .argument('<experiment>', 'name or id')
      .argument('<new-name>')
      .description('Rename an active experiment'),
    ['mloop experiments rename churn churn-2026'],
  ).action(async (ref: string, newName: string, opts: CommonOptions) => {
    const experiment = await withBackend(opts, async (backend) =>
      backend.experiments.rename((await resolveExperiment(backend, ref)).experimentId, newName),
    );
    output(opts, experiment, `Renamed experiment ${experiment.experimentId} to '${experiment.name}'.`);
  });

  trackingCommand(
    experiments
      .command('delete')
      .argument('<experiment>', 'name or id')
      .description('Delete an experiment and its runs (restorable)'),
    ['mloop experiments delete churn'],
  ).action(async (ref: string, opts: CommonOptions) => {
    const experiment = await withBackend(
      opts,
      async (backend) => {
        const { experimentId } = await resolveExperiment(backend, ref);
        await backend.experiments.delete(experimentId);
        return backend.experiments.get(experimentId);
      },
      listHint,
    );
    output(
      opts,
      experiment,
      `Deleted experiment '${experiment.name}' (${experiment.experimentId}); undo with \`mloop experiments restore ${experiment.experimentId}\`.`,
    );
  });

  trackingCommand(
    experiments
      .command('restore')
      .argument('<experiment>', 'name or id')
      .description('Restore a deleted experiment and its runs'),
    ['mloop experiments restore churn'],
  ).action(async (ref: string, opts: CommonOptions) => {
    const experiment = await withBackend(opts, async (backend) => {
      const { experimentId } = await resolveExperiment(backend, ref);
      await backend.experiments.restore(experimentId);
      return backend.experiments.get(experimentId);
    });
    output(opts, experiment, `Restored experiment '${experiment.name}' (${experiment.experimentId}).`);
  });

  trackingCommand(
    experiments
      .command('tag')
      .argument('<experiment>', 'name or id')
      .argument('<key>', 'tag key')
      .argument('[value]', 'tag value (omit with --delete)')
      .description('Set or delete a tag of an experiment'),
    ['mloop experiments tag churn owner alice', 'mloop experiments tag churn owner --delete'],
  )
    .option('--delete', 'delete the tag instead of setting it')
    .action(
      async (
        ref: string,
        key: string,
        value: string | undefined,
        opts: CommonOptions & { delete?: boolean },
      ) => {
        if (opts.delete && value !== undefined)
          throw invalidParameter('value', 'give either a value or --delete, not both');
        if (!opts.delete && value === undefined)
          throw invalidParameter('value', `give a value for tag '${key}', or --delete to remove it`);
        const experiment = await withBackend(opts, async (backend) => {
          const { experimentId } = await resolveExperiment(backend, ref);
          if (opts.delete) await backend.experiments.deleteTag(experimentId, key);
          else await backend.experiments.setTag(experimentId, key, value ?? '');
          return backend.experiments.get(experimentId);
        });
        output(
          opts,
          experiment,
          opts.delete
            ? `Deleted tag '${key}' of '${experiment.name}'.`
            : `Set tag ${key}=${value ?? ''} on '${experiment.name}'.`,
        );
      },
    );
}

/** Prints the experiment as JSON, or a confirmation line and its fields. */
function output(opts: CommonOptions, experiment: Experiment, message?: string): void {
  if (opts.json) return printJson(experiment);
  if (message) print(message);
  print(
    renderFields([
      ['id', experiment.experimentId],
      ['name', experiment.name],
      ['stage', experiment.lifecycleStage],
      ['artifacts', experiment.artifactLocation],
      ['created', formatTime(experiment.creationTime)],
      ['updated', formatTime(experiment.lastUpdateTime)],
      ['tags', formatTags(experiment.tags) || '-'],
    ]),
  );
}

function formatTags(tags: Tag[]): string {
  return tags.map((t) => `${t.key}=${t.value}`).join(', ');
}

function parseTag(text: string): Tag {
  const at = text.indexOf('=');
  if (at <= 0) throw invalidParameter('tag', `--tag takes KEY=VALUE, got "${text}"`);
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}
