import type { ArtifactKind, Params, PipelineSource, Step, StoredOutput } from './types.js';

/** One attempt of one step, in a form that can travel to a worker process as JSON. */
export interface StepTask {
  pipeline: string;
  pipelineRunId: string;
  stepRunId: string;
  step: string;
  source: PipelineSource;
  params: Params;
  /** Params declared secret: masked as `***` in the step's log. */
  secretParams?: string[];
  inputs: Record<string, StoredOutput>;
  outputs: Record<string, ArtifactKind>;
  /** Store-relative directory (the step's tracked run artifacts) for outputs and logs. */
  artifactDir: string;
  attempt: number;
  timeoutMs: number | undefined;
  /** Where shell commands run: the pipeline file's directory. */
  cwd: string;
}

export interface StepResult {
  ok: boolean;
  outputs: Record<string, StoredOutput>;
  error?: string;
  /** Store-relative path of this attempt's log. */
  logPath: string;
  timedOut?: boolean;
  cancelled?: boolean;
}

/** Runs step attempts: in this process, or on worker processes. */
export interface StepExecutor {
  /** `step` is the in-memory step; executors in other processes load it from `task.source` instead. */
  run(task: StepTask, step: Step, signal: AbortSignal): Promise<StepResult>;
  close(): Promise<void>;
}
