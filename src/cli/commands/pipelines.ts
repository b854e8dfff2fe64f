import type { Command } from 'commander';
import { invalidParameter } from '../../core/errors.js';
import { readPipelineFile } from '../../pipelines/load-source.js';
import type { PipelineService } from '../../pipelines/pipeline-service.js';
import type { RunHandle } from '../../pipelines/runner.js';
import type { PipelineRun, PipelineTriggers } from '../../pipelines/types.js';
import { print, printJson, positiveInteger, repeatable } from '../command-context.js';
import { exitCodes } from '../exit-codes.js';
import { progressBar } from '../format/progress.js';
import { renderRun, renderRunList, stepLine } from './pipelines-render.js';
import { withPipelines, type ExecutorOptions } from './pipelines-platform.js';

interface RunOptions extends ExecutorOptions {
  param?: string[];
  cache?: boolean;
  json?: boolean;
  progress?: boolean;
}

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

export function registerPipelinesCommand(program: Command): void {
  const pipelines = program
    .command('pipelines')
    .description('Run DAGs of steps with caching, retries and triggers; inspect their runs');

  pipelines
    .command('run <file>')
    .description(
      'Run a pipeline from a YAML file or a module exporting pipeline(…), showing each step as it ends',
    )
    .option('--param <key=value>', 'override a declared param (repeatable)', repeatable)
    .option('--no-cache', 'rerun every step even when its cache key matches an earlier run')
    .option('--executor <name>', 'inprocess (default) or bullmq (steps run on `mloop worker` processes)')
    .option('--redis <url>', 'Redis for --executor bullmq (MLOOP_REDIS_URL)')
    .option('--progress', 'draw a progress bar even when stderr is not a terminal')
    .option('--json', 'print the finished run as JSON')
    .addHelpText(
      'after',
      examples([
        'mloop pipelines run pipeline.yaml',
        'mloop pipelines run train.ts --param lr=0.05 --no-cache',
        'mloop pipelines run pipeline.yaml --executor bullmq --redis redis://127.0.0.1:6379',
      ]),
    )
    .action(async (file: string, opts: RunOptions) => {
      await withPipelines(opts, async (service) => {
        const { definition, source } = await readPipelineFile(file);
        await service.register(definition, source);
        const handle = await service.runner.start(definition, source, {
          params: parseParams(opts.param),
          noCache: opts.cache === false,
        });
        if (!opts.json)
          print(`pipeline ${definition.name}: run ${handle.id} (${definition.steps.length} steps)`);
        await follow(service, handle, opts, definition.steps.length);
      });
    });

  pipelines
    .command('register <file>')
    .description(
      'Register (or replace) a pipeline without running it, so `mloop server` starts it from its triggers',
    )
    .option('--json', 'print the registered pipeline as JSON')
    .addHelpText(
      'after',
      examples(['mloop pipelines register pipeline.yaml', 'mloop pipelines register retrain.ts --json']),
    )
    .action(async (file: string, opts: { json?: boolean }) => {
      await withPipelines({}, async (service) => {
        const { definition, source } = await readPipelineFile(file);
        const stored = await service.register(definition, source);
        if (opts.json) printJson(stored);
        else print(`registered pipeline ${definition.name}: ${describeTriggers(definition.triggers)}`);
      });
    });

  pipelines
    .command('rerun <run>')
    .description(
      'Resume a failed or cancelled run from its failed steps; steps that succeeded keep their outputs',
    )
    .option('--no-cache', 'rerun the remaining steps even when their cache key matches')
    .option('--executor <name>', 'inprocess (default) or bullmq')
    .option('--redis <url>', 'Redis for --executor bullmq (MLOOP_REDIS_URL)')
    .option('--progress', 'draw a progress bar even when stderr is not a terminal')
    .option('--json', 'print the finished run as JSON')
    .addHelpText('after', examples(['mloop pipelines rerun prun_0123456789abcdef01234567']))
    .action(async (runId: string, opts: RunOptions) => {
      await withPipelines(opts, async (service) => {
        const before = await service.getRun(runId);
        const handle = await service.rerun(runId, { noCache: opts.cache === false });
        await follow(service, handle, opts, before.steps.length);
      });
    });

  pipelines
    .command('list')
    .description('List recent pipeline runs, newest first')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--max <n>', 'at most this many runs (default 50)', positiveInteger('max'))
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples(['mloop pipelines list', 'mloop pipelines list --pipeline train-churn --json']),
    )
    .action(async (opts: { pipeline?: string; max?: number; json?: boolean }) => {
      await withPipelines({}, async (service) => {
        const runs = await service.listRuns(opts.pipeline, opts.max ?? 50);
        if (opts.json) printJson({ runs });
        else print(renderRunList(runs));
      });
    });

  pipelines
    .command('show <run>')
    .description(
      'Show a pipeline run: its trigger, params and each step with status, attempts, duration and cache key',
    )
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['mloop pipelines show prun_0123456789abcdef01234567']))
    .action(async (runId: string, opts: { json?: boolean }) => {
      await withPipelines({}, async (service) => {
        const run = await service.getRun(runId);
        if (opts.json) printJson(run);
        else print(renderRun(run));
      });
    });

  pipelines
    .command('logs <run> <step>')
    .description("Print the log of a step's latest attempt (its stdout and stderr)")
    .addHelpText('after', examples(['mloop pipelines logs prun_0123456789abcdef01234567 train']))
    .action(async (runId: string, step: string) => {
      await withPipelines({}, async (service) => process.stdout.write(await service.stepLog(runId, step)));
    });

  pipelines
    .command('cancel <run>')
    .description(
      'Cancel a running pipeline run: its running steps are stopped (subprocesses killed), later steps do not start',
    )
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['mloop pipelines cancel prun_0123456789abcdef01234567']))
    .action(async (runId: string, opts: { json?: boolean }) => {
      await withPipelines({}, async (service) => {
        await service.cancel(runId);
        if (opts.json) printJson({ run: runId, cancelRequested: true });
        else print(`cancel requested for ${runId}; the process running it stops it within a second`);
      });
    });

  pipelines
    .command('abandon <run>')
    .description(
      'Fail a running run at once, without waiting for the process driving it (a server or command that is gone); resume it with rerun',
    )
    .option('--json', 'print the abandoned run as JSON')
    .addHelpText(
      'after',
      '\nA run whose process stops heartbeating is failed anyway once its lease passes\n(MLOOP_PIPELINE_LEASE_MS); abandon does it now. A process still driving the run stops its steps.\n' +
        examples(['mloop pipelines abandon prun_0123456789abcdef01234567']),
    )
    .action(async (runId: string, opts: { json?: boolean }) => {
      await withPipelines({}, async (service) => {
        const run = await service.abandon(runId);
        if (opts.json) printJson(run);
        else print(`abandoned ${runId}: FAILED; resume it with mloop pipelines rerun ${runId}`);
      });
    });
}

function describeTriggers(triggers: PipelineTriggers): string {
  const parts = [
    ...(triggers.cron ?? []).map((c) =>
      typeof c === 'string' ? `cron "${c}"` : `cron "${c.schedule}" (${c.timezone ?? 'UTC'})`,
    ),
    ...(triggers.datasets ?? []).map((d) => `new versions of dataset ${d}`),
    ...(triggers.alerts ?? []).map(
      (a) => `alerts${a.rule ? ` of rule ${a.rule}` : ''}${a.model ? ` on ${a.model}` : ''}`,
    ),
    ...(triggers.webhook ? [`webhook (secret in ${triggers.webhook.secretEnv})`] : []),
  ];
  return parts.length
    ? `a running mloop server starts it on ${parts.join(', ')}`
    : 'it has no triggers; start it with mloop pipelines run or POST /api/v1/pipelines/{name}/runs';
}

/** Prints each step as it ends (and a progress bar), waits for the run, sets the exit code. */
async function follow(
  service: PipelineService,
  handle: RunHandle,
  opts: RunOptions,
  total: number,
): Promise<void> {
  const bar = progressBar(opts, 'steps');
  const shown = new Set<string>();
  const report = async () => {
    const run = await service.getRun(handle.id);
    for (const step of run.steps) {
      if (['PENDING', 'RUNNING'].includes(step.status) || shown.has(step.step)) continue;
      shown.add(step.step);
      if (!opts.json) print(stepLine(step));
    }
    bar?.update(shown.size, total);
  };
  const onInterrupt = () => void service.cancel(handle.id).catch(() => undefined);
  process.once('SIGINT', onInterrupt);
  const timer = setInterval(() => void report().catch(() => undefined), 250);
  let run: PipelineRun;
  try {
    run = await handle.done;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onInterrupt);
  }
  await report();
  bar?.finish();
  if (opts.json) printJson(run);
  else {
    print(`${run.status}: run ${run.id}${run.error ? ` (${run.error})` : ''}`);
    const failed = run.steps.find((s) => s.status === 'FAILED');
    if (failed)
      print(
        `see its log: mloop pipelines logs ${run.id} ${failed.step}; resume: mloop pipelines rerun ${run.id}`,
      );
  }
  if (run.status !== 'SUCCEEDED') process.exitCode = exitCodes.failure;
}

function parseParams(pairs: string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalidParameter('param', `--param takes key=value, got "${pair}"`);
    params[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return params;
}
