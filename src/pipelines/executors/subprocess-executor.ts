import type { ArtifactService } from '../../tracking/artifacts.js';
import { runFunctionInChild } from '../function-step-process.js';
import { executeStep } from '../step-execution.js';
import type { StepExecutor, StepResult, StepTask } from '../step-task.js';
import type { Step } from '../types.js';

/**
 * Runs each TypeScript step in a child process of this one, and commands as subprocesses: what
 * `mloop server` uses without a Redis, so training in a step never stalls serving, health checks
 * or schedulers, and a step past its timeout is killed rather than left running.
 */
export class SubprocessExecutor implements StepExecutor {
  constructor(private readonly artifacts: ArtifactService) {}

  run(task: StepTask, step: Step, signal: AbortSignal): Promise<StepResult> {
    return executeStep(task, step, this.artifacts, signal, runFunctionInChild);
  }

  async close(): Promise<void> {}
}
