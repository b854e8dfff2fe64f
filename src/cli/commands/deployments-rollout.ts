import type { Command } from 'commander';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { listHint, withDeployments } from '../deployments-backend.js';
import {
  parseCount,
  parseDuration,
  parsePositiveNumber,
  parseRate,
  parseSteps,
} from './deployment-options.js';

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

/** `mloop deployments rollout NAME`: start (or `--abort`) a progressive rollout of the candidate. */
export function registerDeploymentsRolloutCommand(deployments: Command): void {
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
}
