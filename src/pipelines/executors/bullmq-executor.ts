import { Queue, QueueEvents, type Job } from 'bullmq';
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

  /**
   * `queueName` separates runners and workers that share a Redis but not a store. Every
   * `checkMs` (default 30 s) of waiting, the runner checks that Redis still holds the job.
   */
  constructor(
    redisUrl: string,
    private readonly queueName: string = stepQueueName,
    private readonly checkMs = 30_000,
  ) {
    const connection = redisConnection(redisUrl);
    this.queue = new Queue(queueName, { connection });
    this.events = new QueueEvents(queueName, { connection });
    this.publisher = new Redis(connection);
    // Redis away (restarting, failing over): it reconnects by itself; a waiting step's check reports a lost job.
    this.publisher.on('error', () => undefined);
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
      return await this.finished(job, task);
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

  /**
   * The job's result. The wait has deadlines, so a run never hangs on a job that will not finish:
   * a job Redis no longer holds (flushed, or lost in a failover without persistence) fails its step
   * at the next check; so does one still unfinished a minute past the step's own timeout counted
   * from when a worker took it (that worker died holding it). Time waiting for a free worker does
   * not count.
   */
  private async finished(job: Job, task: StepTask): Promise<StepResult> {
    for (;;) {
      try {
        return (await job.waitUntilFinished(this.events, this.checkMs)) as StepResult;
      } catch (error) {
        if (!(error instanceof Error) || !/timed out before finishing/.test(error.message)) throw error;
      }
      const current = await this.queue.getJob(job.id!);
      if (!current) throw new Error('Redis no longer holds the job (flushed or lost in a failover)');
      const took = current.processedOn;
      if (task.timeoutMs !== undefined && took && Date.now() > took + task.timeoutMs + 60_000)
        throw new Error("no result a minute past the step's timeout (its worker stopped?)");
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    await this.publisher.quit();
  }
}
