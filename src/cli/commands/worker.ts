import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { invalidParameter } from '../../core/errors.js';
import { drainOnSignals } from '../../core/shutdown.js';
import type { PipelineTables } from '../../pipelines/tables.js';
import { positiveInteger, print } from '../command-context.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run pipeline steps sent through Redis by `mloop pipelines run --executor bullmq`')
    .option('--redis <url>', 'the Redis the runner uses (MLOOP_REDIS_URL)')
    .option('--queue <name>', 'the queue to take steps from (MLOOP_QUEUE; default mloop-pipeline-steps)')
    .option(
      '--concurrency <n>',
      'steps run at once by this worker (default 1)',
      positiveInteger('concurrency'),
    )
    .option(
      '--lock-ms <ms>',
      "how long a step stays this worker's without renewing its lock before another worker takes it over (default 30000)",
      positiveInteger('lock-ms'),
    )
    .addHelpText(
      'after',
      '\nThe worker opens the same store as the runner (MLOOP_HOME or MLOOP_DATABASE_URL and\nMLOOP_ARTIFACT_ROOT) and loads each step from the pipeline file the runner names.\n\nExamples:\n  $ mloop worker --redis redis://127.0.0.1:6379\n  $ MLOOP_DATABASE_URL=postgres://db/mloop mloop worker --redis redis://queue:6379 --concurrency 4\n',
    )
    .action(async (opts: { redis?: string; queue?: string; concurrency?: number; lockMs?: number }) => {
      const redis = opts.redis ?? loadConfig({}).redisUrl;
      if (!redis)
        throw invalidParameter('redis', 'mloop worker needs --redis redis://host:port (or MLOOP_REDIS_URL)');
      const [
        { openPlatform },
        { startStepWorker },
        { createLogger },
        { guardUnhandledRejections },
        { RunLeases, workerStepLeases },
      ] = await Promise.all([
        import('../../platform.js'),
        import('../../pipelines/executors/step-worker.js'),
        import('../../core/logging.js'),
        import('../../core/background.js'),
        import('../../pipelines/run-leases.js'),
      ]);
      const config = loadConfig({});
      const logger = createLogger(config.logLevel);
      const platform = await openPlatform(config, { serving: { logger } });
      // A failed promise nobody awaited is logged and counted; the worker keeps taking steps.
      guardUnhandledRejections(platform.background);
      const worker = await startStepWorker({
        redisUrl: redis,
        concurrency: opts.concurrency ?? 1,
        queueName: opts.queue ?? config.queue,
        artifacts: platform.tracking.artifacts,
        // The step's lease in the store: redelivered jobs are not run twice.
        leases: workerStepLeases(
          new RunLeases(platform.database.tables<PipelineTables>(), platform.clock, config.pipelineLeaseMs),
        ),
        ...(opts.lockMs ? { lockMs: opts.lockMs } : {}),
        onJob: (task, result) =>
          print(
            `${result.ok ? 'ok    ' : 'failed'}  ${task.pipeline}/${task.step}  attempt ${task.attempt}  run ${task.pipelineRunId}${result.error ? `  ${result.error}` : ''}`,
          ),
      });
      print(`mloop worker ready (pid ${process.pid}, concurrency ${opts.concurrency ?? 1})`);
      // SIGTERM drains: no new steps are taken, the running ones finish within the grace period;
      // a second signal exits at once (its steps end with it).
      drainOnSignals(async () => {
        await worker.close();
        await platform.close();
      }, logger);
    });
}
