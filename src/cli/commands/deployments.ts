import type { Command } from 'commander';
import type { CandidateMode } from '../../serving/deployments/types.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { listHint, withDeployments } from '../deployments-backend.js';
import { registerDeploymentsRolloutCommand } from './deployments-rollout.js';
import { parsePercent } from './deployment-options.js';
import { renderDeployment, renderDeploymentsTable, renderHistory } from './deployment-output.js';

/** `mloop deployments …`: serving targets with canary, shadow and A/B candidates, and rollouts. */
export function registerDeploymentsCommand(program: Command): void {
  const deployments = program
    .command('deployments')
    .description('Manage deployments: a primary model version plus a canary, shadow or A/B candidate')
    .addHelpText(
      'after',
      "\nVERSION arguments take a version number (3) or an alias (production) of the deployment's model.\n",
    );

  trackingCommand(
    deployments.command('create').argument('<name>').description('Create a deployment of a registered model'),
    [
      'mloop deployments create churn-api --model churn',
      'mloop deployments create churn-api --model churn --primary champion --json',
    ],
  )
    .requiredOption('--model <model>', 'the registered model it serves')
    .option('--primary <version>', 'alias or version number of the primary arm', 'production')
    .option('--description <text>', 'what it is for')
    .action(
      async (
        name: string,
        opts: CommonOptions & { model: string; primary: string; description?: string },
      ) => {
        const created = await withDeployments(opts, (b) =>
          b.deployments.create({
            name,
            model: opts.model,
            primary: opts.primary,
            ...(opts.description ? { description: opts.description } : {}),
          }),
        );
        if (opts.json) return printJson(created);
        print(`Created deployment ${name}: ${created.model}@${created.primary} answers every request.`);
      },
    );

  trackingCommand(deployments.command('list').description('List deployments'), [
    'mloop deployments list',
    'mloop deployments list --json',
  ]).action(async (opts: CommonOptions) => {
    const items = await withDeployments(opts, (b) => b.deployments.list());
    if (opts.json) return printJson(items);
    if (items.length === 0)
      return print('No deployments. Create one with `mloop deployments create NAME --model MODEL`.');
    print(renderDeploymentsTable(items));
  });

  trackingCommand(
    deployments
      .command('show')
      .argument('<name>')
      .description('Show a deployment, its live statistics and recent history'),
    ['mloop deployments show churn-api', 'mloop deployments show churn-api --json'],
  ).action(async (name: string, opts: CommonOptions) => {
    const shown = await withDeployments(
      opts,
      async (b) => ({
        deployment: await b.deployments.get(name),
        stats: await b.stats(name),
        events: (await b.deployments.events(name)).slice(-10),
      }),
      listHint,
    );
    if (opts.json) return printJson(shown);
    print(renderDeployment(shown.deployment, shown.stats, shown.events));
  });

  for (const [mode, description, example] of [
    [
      'canary',
      'Let a candidate version answer a random share of requests',
      'mloop deployments canary churn-api 4 --percent 10',
    ],
    [
      'shadow',
      'Score copies of requests on a candidate version; it never answers',
      'mloop deployments shadow churn-api 4',
    ],
    [
      'ab',
      'Split requests between primary and candidate, sticky by request key',
      'mloop deployments ab churn-api 4 --percent 50',
    ],
  ] as const) {
    candidateCommand(deployments, mode, description, example);
  }

  trackingCommand(
    deployments
      .command('clear')
      .argument('<name>')
      .description('Remove the candidate: the primary answers everything'),
    ['mloop deployments clear churn-api'],
  ).action(async (name: string, opts: CommonOptions) => {
    const cleared = await withDeployments(opts, (b) => b.deployments.clearCandidate(name), listHint);
    if (opts.json) return printJson(cleared);
    print(`Removed the candidate of ${name}.`);
  });

  registerDeploymentsRolloutCommand(deployments);
  trackingCommand(
    deployments
      .command('rollback')
      .argument('<name>')
      .description('Pull the candidate: its share drops to 0 and a running rollout stops'),
    ['mloop deployments rollback churn-api --reason "complaints about v4"'],
  )
    .option('--reason <text>', 'recorded in the history')
    .action(async (name: string, opts: CommonOptions & { reason?: string }) => {
      const rolledBack = await withDeployments(
        opts,
        (b) => b.deployments.rollBack(name, opts.reason),
        listHint,
      );
      if (opts.json) return printJson(rolledBack);
      print(`Rolled back ${name}: ${rolledBack.model}@${rolledBack.primary} answers every request.`);
    });

  trackingCommand(
    deployments
      .command('history')
      .argument('<name>')
      .description('Every change, rollout step, promotion and rollback, oldest first'),
    ['mloop deployments history churn-api', 'mloop deployments history churn-api --json'],
  ).action(async (name: string, opts: CommonOptions) => {
    const events = await withDeployments(opts, (b) => b.deployments.events(name), listHint);
    if (opts.json) return printJson(events);
    print(renderHistory(events));
  });

  trackingCommand(
    deployments
      .command('delete')
      .argument('<name>')
      .description('Delete a deployment; its history stays readable'),
    ['mloop deployments delete churn-api'],
  ).action(async (name: string, opts: CommonOptions) => {
    await withDeployments(opts, (b) => b.deployments.delete(name), listHint);
    if (opts.json) return printJson({});
    print(`Deleted deployment ${name}.`);
  });
}

function candidateCommand(parent: Command, mode: CandidateMode, description: string, example: string): void {
  trackingCommand(
    parent
      .command(mode)
      .argument('<name>')
      .argument('<version>', 'candidate version number or alias')
      .description(description),
    [example, `${example} --json`],
  )
    .option(
      '--percent <percent>',
      `share of requests, 0-100 (default ${mode === 'canary' ? 10 : mode === 'ab' ? 50 : 100})`,
      parsePercent,
    )
    .option('--reason <text>', 'recorded in the history')
    .action(
      async (name: string, version: string, opts: CommonOptions & { percent?: number; reason?: string }) => {
        const updated = await withDeployments(
          opts,
          (b) =>
            b.deployments.setCandidate(name, {
              version,
              mode,
              ...(opts.percent !== undefined ? { percent: opts.percent } : {}),
              ...(opts.reason ? { reason: opts.reason } : {}),
            }),
          listHint,
        );
        if (opts.json) return printJson(updated);
        const percent = updated.candidate?.percent ?? 0;
        const what =
          mode === 'shadow'
            ? `scores a copy of ${percent}% of requests (never answers)`
            : mode === 'ab'
              ? `answers ${percent}% of request keys (sticky)`
              : `answers ${percent}% of requests`;
        print(
          `${name}: ${updated.model}@${version} ${what}; ${updated.model}@${updated.primary} answers the rest.`,
        );
      },
    );
}
