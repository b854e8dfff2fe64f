import type { StepExecutor } from '../step-task.js';

/**
 * The BullMQ executor, loaded with its first step: a server configured with a Redis starts without
 * paying for bullmq and ioredis (a quarter of a second) until a pipeline actually runs.
 */
export function lazyBullMqExecutor(redisUrl: string, queueName: string | undefined): StepExecutor {
  let executor: Promise<StepExecutor> | undefined;
  const load = () =>
    (executor ??= import('./bullmq-executor.js').then((m) => new m.BullMqExecutor(redisUrl, queueName)));
  return {
    run: async (task, step, signal) => (await load()).run(task, step, signal),
    close: async () => {
      if (executor) await (await executor).close();
    },
  };
}
