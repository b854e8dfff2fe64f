import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { isMloopError, MloopError } from '../../core/errors.js';
import type { CandidateMode } from '../../serving/deployments/types.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { openDeploymentsBackend, type DeploymentsBackend } from '../deployments-backend.js';
import {
  parseDuration,
  parsePercent,
  parseRate,
  parsePositiveNumber,
  parseSteps,
  parseCount,
} from './deployment-options.js';
import { renderDeployment, renderDeploymentsTable, renderHistory } from './deployment-output.js';

const listHint = 'see `mloop deployments list`';

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

  trackingCommand(
    deployments
      .command('rollout')
      .argument('<name>')
      .description('Roll the candidate out step by step; promote it when healthy, roll it back when not'),
    [
      'mloop deployments rollout churn-api',
      'mloop deployments rollout churn-api --steps 5,25,50,100 --min-requests 500 --min-duration 10m --max-error-rate 1% --max-p99-ms 150',
      'mloop deployments rollout churn-api --abort',
    ],
  )
    .option(
      '--steps <percents>',
      'candidate percentages, increasing, ending at 100 (default 5,25,50,100)',
      parseSteps,
    )
    .option(
      '--min-requests <n>',
      'requests the candidate serves per step at least (default 100)',
      parseCount('--min-requests'),
    )
    .option(
      '--min-duration <duration>',
      'shortest step, e.g. 30s, 5m, 1h; a bare number is seconds (default 5m)',
      parseDuration,
    )
    .option(
      '--max-error-rate <rate>',
      'roll back above this error rate, e.g. 1% or 0.01 (default 1%)',
      parseRate('--max-error-rate'),
    )
    .option('--max-p99-ms <ms>', 'roll back above this p99 latency', parsePositiveNumber('--max-p99-ms'))
    .option(
      '--max-error-rate-over-primary <rate>',
      "roll back when the error rate exceeds the primary's by more",
      parseRate('--max-error-rate-over-primary'),
    )
    .option(
      '--max-p99-ratio <ratio>',
      "roll back when p99 latency is more than this multiple of the primary's",
      parsePositiveNumber('--max-p99-ratio'),
    )
    .option('--abort', "stop the running rollout instead; the candidate's share drops to 0")
    .option('--reason <text>', 'recorded in the history')
    .action(async (name: string, opts: RolloutCliOptions) => {
      const result = await withDeployments(
        opts,
        async (b) => {
          if (opts.abort)
            return { deployment: await b.deployments.abortRollout(name, opts.reason), remote: b.remote };
          const bounds = {
            ...(opts.maxErrorRate !== undefined ? { maxErrorRate: opts.maxErrorRate } : {}),
            ...(opts.maxP99Ms !== undefined ? { maxP99LatencyMs: opts.maxP99Ms } : {}),
            ...(opts.maxErrorRateOverPrimary !== undefined
              ? { maxErrorRateOverPrimary: opts.maxErrorRateOverPrimary }
              : {}),
            ...(opts.maxP99Ratio !== undefined ? { maxP99LatencyRatioToPrimary: opts.maxP99Ratio } : {}),
          };
          const deployment = await b.deployments.startRollout(name, {
            ...(opts.steps ? { steps: opts.steps } : {}),
            ...(opts.minRequests !== undefined ? { minRequests: opts.minRequests } : {}),
            ...(opts.minDuration !== undefined ? { minDurationMs: opts.minDuration } : {}),
            ...(Object.keys(bounds).length > 0 ? { bounds } : {}),
            ...(opts.reason ? { reason: opts.reason } : {}),
          });
          return { deployment, remote: b.remote };
        },
        listHint,
      );
      if (opts.json) return printJson(result.deployment);
      const rollout = result.deployment.rollout;
      if (opts.abort) return print(`Aborted the rollout of ${name}; the candidate gets no traffic.`);
      print(
        `Rolling out ${result.deployment.model}@${result.deployment.candidate?.version ?? '?'} on ${name}: ` +
          `steps ${rollout?.plan.steps.join(', ')}%, now at ${result.deployment.candidate?.percent}%.`,
      );
      if (!result.remote)
        print(
          'The rollout advances while `mloop server` runs on this store; follow it with `mloop deployments history`.',
        );
    });

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

interface RolloutCliOptions extends CommonOptions {
  steps?: number[];
  minRequests?: number;
  minDuration?: number;
  maxErrorRate?: number;
  maxP99Ms?: number;
  maxErrorRateOverPrimary?: number;
  maxP99Ratio?: number;
  abort?: boolean;
  reason?: string;
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

async function withDeployments<T>(
  options: CommonOptions,
  work: (backend: DeploymentsBackend) => Promise<T>,
  notFoundHint?: string,
): Promise<T> {
  const backend = await openDeploymentsBackend(loadConfig(options.url ? { url: options.url } : {}));
  try {
    return await work(backend);
  } catch (error) {
    if (notFoundHint && isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') {
      throw new MloopError(error.code, `${error.message}: ${notFoundHint}`, error.field);
    }
    throw error;
  } finally {
    await backend.close();
  }
}
