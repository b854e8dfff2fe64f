import type { Redis } from 'ioredis';
import type { StepResult, StepTask } from '../step-task.js';
import type { StepLeases } from './step-worker.js';

/** How long a finished attempt's result is kept for a redelivery of its job (s). */
const keepSeconds = 24 * 3600;

/**
 * What makes a step job's delivery idempotent: each finished attempt's result, kept in Redis
 * beside the queue under the job's id (`{stepRunId}-{attempt}`), and the store's step lease.
 * BullMQ delivers a job again when the worker holding it stops renewing its lock (killed, or cut
 * off from Redis): if that worker had finished, the result answers the redelivery; if it still
 * runs the step (its lease renewed in the store), the redelivery waits for its result.
 */
export class StepResults {
  constructor(
    private readonly redis: Redis,
    private readonly queueName: string,
  ) {}

  private key(jobId: string): string {
    return `mloop-step-result:${this.queueName}:${jobId}`;
  }

  async record(jobId: string, result: StepResult): Promise<void> {
    await this.redis.set(this.key(jobId), JSON.stringify(result), 'EX', keepSeconds);
  }

  async finished(jobId: string): Promise<StepResult | undefined> {
    const stored = await this.redis.get(this.key(jobId));
    return stored ? (JSON.parse(stored) as StepResult) : undefined;
  }

  /**
   * The attempt's result when it has already run (or another live worker is running it and
   * finishes); undefined when this worker should run it, having taken its lease.
   */
  async awaitFinished(
    jobId: string,
    task: StepTask,
    owner: string,
    leases: StepLeases | undefined,
  ): Promise<StepResult | undefined> {
    for (;;) {
      const done = await this.finished(jobId);
      if (done) return done;
      if (!leases || (await leases.claim(task, owner)) !== 'held') return undefined;
      // Another worker's lease is live: it runs this attempt. Its result or its lease's end
      // (it died without finishing) comes within a lease.
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, leases.ttlMs / 3)));
    }
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
