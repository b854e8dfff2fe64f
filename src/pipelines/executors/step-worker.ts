import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { actingAs } from '../../core/acting-as.js';
import type { ArtifactService } from '../../tracking/artifacts.js';
import { runFunctionInChild } from '../function-step-process.js';
import { loadPipeline } from '../load-source.js';
import { executeStep } from '../step-execution.js';
import type { StepResult, StepTask } from '../step-task.js';
import type { PipelineDefinition, PipelineSource } from '../types.js';
import { newId } from '../../core/ids.js';
import { cancelChannel, redisConnection, stepQueueName } from './bullmq-connection.js';
import { StepResults } from './step-results.js';

export interface StepWorkerOptions {
  redisUrl: string;
  concurrency: number;
  /** The queue the runner sends to (default `mloop-pipeline-steps`). */
  queueName?: string;
  artifacts: ArtifactService;
  /** The store's step leases: who runs each attempt (this worker, while it heartbeats). */
  leases?: StepLeases;
  /**
   * How long a job stays this worker's without a lock renewal (renewed at half of it while the
   * step runs); past it, another worker takes the job over. Default 30 s.
   */
  lockMs?: number;
  onJob?: (task: StepTask, result: StepResult) => void;
}

/** The step leases a worker takes in the store (see run-leases.ts). */
export interface StepLeases {
  readonly ttlMs: number;
  /** 'taken', 'held' by another live process, or 'unknown' to this store (a runner on another store). */
  claim(task: StepTask, owner: string): Promise<'taken' | 'held' | 'unknown'>;
  renew(task: StepTask, owner: string): Promise<boolean>;
}

export interface StepWorker {
  close(): Promise<void>;
}

/**
 * A `mloop worker`: takes step jobs off the queue, loads the pipeline's code from its source (the
 * module path or the YAML text in the job), runs the step and returns the result to the runner.
 * A TypeScript step runs in a child process, so a CPU-bound one does not stop this process from
 * renewing its job's lock (which would make BullMQ hand the job to a second worker).
 */
export async function startStepWorker(options: StepWorkerOptions): Promise<StepWorker> {
  const connection = redisConnection(options.redisUrl);
  const owner = newId('worker');
  // Both connections reconnect by themselves when Redis is away: an error is not a crash.
  const results = new StepResults(
    new Redis(connection).on('error', () => undefined),
    options.queueName ?? stepQueueName,
  );
  const running = new Map<string, AbortController>();
  const definitions = new Map<string, Promise<PipelineDefinition>>();
  const definitionOf = (source: PipelineSource) => {
    const key = source.kind === 'yaml' ? `yaml:${source.text}` : `module:${source.path}`;
    if (!definitions.has(key)) definitions.set(key, loadPipeline(source));
    return definitions.get(key)!;
  };

  const runTask = async (task: StepTask): Promise<StepResult> => {
    const controller = new AbortController();
    // The store's lease on the step says this worker runs it, for as long as it heartbeats.
    const leases = options.leases;
    const heartbeat = leases
      ? setInterval(
          () => void leases.renew(task, owner).catch(() => undefined),
          Math.max(1, Math.floor(leases.ttlMs / 3)),
        )
      : undefined;
    running.set(task.stepRunId, controller);
    try {
      const definition = await definitionOf(task.source);
      const step = definition.steps.find((s) => s.name === task.step);
      if (!step)
        return {
          ok: false,
          outputs: {},
          error: `this worker's copy of pipeline "${task.pipeline}" has no step "${task.step}"`,
          logPath: '',
        };
      // What the step changes in this process is audited as its pipeline, as in the runner's.
      const result = await actingAs(
        {
          actor: `pipeline:${task.pipeline}`,
          via: 'pipeline',
          details: { pipelineRun: task.pipelineRunId },
        },
        () => executeStep(task, step, options.artifacts, controller.signal, runFunctionInChild),
      );
      options.onJob?.(task, result);
      return result;
    } catch (error) {
      return {
        ok: false,
        outputs: {},
        error: `worker could not run the step: ${(error as Error).message}`,
        logPath: '',
      };
    } finally {
      clearInterval(heartbeat);
      running.delete(task.stepRunId);
    }
  };
  const queueName = options.queueName ?? stepQueueName;
  const worker = new Worker<StepTask, StepResult>(
    queueName,
    async (job) => {
      const task = job.data;
      // Delivered again (its worker died, or lost the job's lock, after it ran): an attempt that
      // finished is answered from its recorded result, one another live worker runs is waited
      // for, so no attempt runs twice.
      const earlier = await results.awaitFinished(job.id!, task, owner, options.leases);
      if (earlier) return earlier;
      const result = await runTask(task);
      // Best effort: without it, a redelivery (rare) runs the attempt again, as before.
      await results.record(job.id!, result).catch(() => undefined);
      return result;
    },
    {
      connection,
      concurrency: options.concurrency,
      ...(options.lockMs ? { lockDuration: options.lockMs, stalledInterval: options.lockMs } : {}),
    },
  );
  const subscriber = new Redis(connection).on('error', () => undefined);
  await subscriber.subscribe(`${cancelChannel}:${queueName}`);
  subscriber.on('message', (_channel: string, stepRunId: string) => running.get(stepRunId)?.abort());
  await worker.waitUntilReady();
  return {
    /** Takes no new steps and waits for the running ones to finish (cancels still reach them). */
    async close() {
      await worker.close();
      await subscriber.quit();
      await results.close();
    },
  };
}
