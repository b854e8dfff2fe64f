import type { ArtifactService } from '../../tracking/artifacts.js';
import { executeStep } from '../step-execution.js';
import type { StepExecutor, StepResult, StepTask } from '../step-task.js';
import type { Step } from '../types.js';

/** Runs TypeScript steps in this process and commands as subprocesses of it: the default. */
export class InProcessExecutor implements StepExecutor {
  constructor(private readonly artifacts: ArtifactService) {}

  run(task: StepTask, step: Step, signal: AbortSignal): Promise<StepResult> {
    return executeStep(task, step, this.artifacts, signal);
  }

  async close(): Promise<void> {}
}
