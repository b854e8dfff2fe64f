import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { StepExecutor, StepResult, StepTask } from '../step-task.js';
import type { Step } from '../types.js';
import { cancelChannel, redisConnection, stepQueueName } from './bullmq-connection.js';

/**
 * Sends each step attempt as a job to a BullMQ queue on Redis, where `mloop worker` processes (on
 * this machine or others) run it with the same step code and report the result back. Retries
 * stay with the runner, so they behave as in-process; BullMQ's own retries are not used.
 */
export class BullMqExecutor implements StepExecutor {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly publisher: Redis;

  /** `queueName` separates runners and workers that share a Redis but not a store. */
  constructor(
    redisUrl: string,
    private readonly queueName: string = stepQueueName,
  ) {
    const connection = redisConnection(redisUrl);
    this.queue = new Queue(queueName, { connection });
    this.events = new QueueEvents(queueName, { connection });
    this.publisher = new Redis(connection);
  }

  async run(task: StepTask, _step: Step, signal: AbortSignal): Promise<StepResult> {
    await this.events.waitUntilReady();
    const job = await this.queue.add('step', task, {
      jobId: `${task.stepRunId}-${task.attempt}`,
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
    const onAbort = () => {
      void job.remove().catch(() => undefined); // still waiting: never runs
      void this.publisher
        .publish(`${cancelChannel}:${this.queueName}`, task.stepRunId)
        .catch(() => undefined); // running: its worker stops it
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      return (await job.waitUntilFinished(this.events)) as StepResult;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        outputs: {},
        error: signal.aborted ? 'cancelled' : `the worker failed: ${message}`,
        logPath: '',
        cancelled: signal.aborted,
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    await this.publisher.quit();
  }
}
