import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { actingAs } from '../../core/acting-as.js';
import type { ArtifactService } from '../../tracking/artifacts.js';
import { runFunctionInChild } from '../function-step-process.js';
import { loadPipeline } from '../load-source.js';
import { executeStep } from '../step-execution.js';
import type { StepResult, StepTask } from '../step-task.js';
import type { PipelineDefinition, PipelineSource } from '../types.js';
import { cancelChannel, redisConnection, stepQueueName } from './bullmq-connection.js';

export interface StepWorkerOptions {
  redisUrl: string;
  concurrency: number;
  /** The queue the runner sends to (default `mloop-pipeline-steps`). */
  queueName?: string;
  artifacts: ArtifactService;
  onJob?: (task: StepTask, result: StepResult) => void;
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
  const running = new Map<string, AbortController>();
  const definitions = new Map<string, Promise<PipelineDefinition>>();
  const definitionOf = (source: PipelineSource) => {
    const key = source.kind === 'yaml' ? `yaml:${source.text}` : `module:${source.path}`;
    if (!definitions.has(key)) definitions.set(key, loadPipeline(source));
    return definitions.get(key)!;
  };

  const queueName = options.queueName ?? stepQueueName;
  const worker = new Worker<StepTask, StepResult>(
    queueName,
    async (job) => {
      const task = job.data;
      const controller = new AbortController();
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
        running.delete(task.stepRunId);
      }
    },
    { connection, concurrency: options.concurrency },
  );
  const subscriber = new Redis(connection);
  await subscriber.subscribe(`${cancelChannel}:${queueName}`);
  subscriber.on('message', (_channel: string, stepRunId: string) => running.get(stepRunId)?.abort());
  await worker.waitUntilReady();
  return {
    /** Takes no new steps and waits for the running ones to finish (cancels still reach them). */
    async close() {
      await worker.close();
      await subscriber.quit();
    },
  };
}
