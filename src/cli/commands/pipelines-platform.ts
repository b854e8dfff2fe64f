import { loadConfig } from '../../core/config.js';
import { invalidParameter } from '../../core/errors.js';
import type { PipelineService } from '../../pipelines/pipeline-service.js';
import type { StepExecutor } from '../../pipelines/step-task.js';
import type { Platform } from '../../platform.js';

export type ExecutorName = 'inprocess' | 'bullmq';

export interface ExecutorOptions {
  executor?: string;
  redis?: string;
}

/**
 * Pipelines run in this process on the embedded store (or the database MLOOP_DATABASE_URL names);
 * with `--executor bullmq` their steps go to `mloop worker` processes through Redis.
 */
export async function withPipelines<T>(
  options: ExecutorOptions,
  work: (pipelines: PipelineService, platform: Platform) => Promise<T>,
): Promise<T> {
  const config = loadConfig({});
  if (config.url) {
    throw invalidParameter(
      'url',
      'mloop pipelines runs on the store this machine opens; unset MLOOP_URL (set MLOOP_DATABASE_URL to share a database)',
    );
  }
  const executorName = (options.executor ?? 'inprocess') as ExecutorName;
  if (executorName !== 'inprocess' && executorName !== 'bullmq') {
    throw invalidParameter('executor', `--executor must be inprocess or bullmq, got "${options.executor}"`);
  }
  const [{ openPlatform }, { platformPipelineService }] = await Promise.all([
    import('../../platform.js'),
    import('../../pipelines/pipeline-services.js'),
  ]);
  const platform = await openPlatform(config);
  let executor: StepExecutor | undefined;
  try {
    if (executorName === 'bullmq') {
      const redis = options.redis ?? config.redisUrl;
      if (!redis)
        throw invalidParameter(
          'redis',
          '--executor bullmq needs --redis redis://host:port (or MLOOP_REDIS_URL)',
        );
      const { BullMqExecutor } = await import('../../pipelines/executors/bullmq-executor.js');
      executor = new BullMqExecutor(redis, config.queue);
    }
    const pipelines = platformPipelineService(platform, executor);
    await pipelines.recoverExpired();
    return await work(pipelines, platform);
  } finally {
    await executor?.close();
    await platform.close();
  }
}
