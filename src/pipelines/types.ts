/** What a step's output (or input) is: a value travels as JSON; the others travel as files. */
export type ArtifactKind = 'value' | 'file' | 'dataset' | 'model';
export const artifactKinds: readonly ArtifactKind[] = ['value', 'file', 'dataset', 'model'];

export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue>;

/** What a TypeScript step sees: its inputs (values, or local paths of files), params, where to write outputs. */
export interface StepContext {
  readonly step: string;
  /** The pipeline run this step belongs to (tag what the step creates with it). */
  readonly pipelineRunId: string;
  readonly params: Readonly<Params>;
  /** Input values (kind `value`) or local file paths (other kinds), by input name. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The local path where a file output should be written (returning it from `run` is optional). */
  outputPath(name: string): string;
  /** A line in the step's log. */
  log(line: string): void;
  /** Aborted on cancellation and timeout. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

export type StepFunction = (
  ctx: StepContext,
) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** One step as declared: exactly one of `run` (TypeScript) and `command` (a shell command). */
export interface StepSpec {
  needs?: string[];
  /** Input name → `step.output` of an upstream step (the upstream step becomes a need). */
  inputs?: Record<string, string>;
  outputs?: Record<string, ArtifactKind>;
  run?: StepFunction;
  command?: string;
  /** Files the command reads (e.g. `train.py`): their content is part of the cache key. */
  files?: string[];
  /**
   * The pipeline params this step reads: they, not the others, are part of its cache key, so a
   * param only another step reads does not invalidate this one. A TypeScript step that omits it
   * is taken to read every param (its code cannot be inspected soundly), and when it declares
   * them, `ctx.params` holds only those (reading another one throws). A command reads the params
   * it names as `${params.x}` plus any listed here.
   */
  params?: string[];
  retries?: number;
  /** First retry waits this long, doubling after each failure (default 1000 ms). */
  backoffMs?: number;
  timeoutMs?: number;
  /** Never reuse a cached result (steps with side effects, e.g. deploying). */
  cache?: boolean;
}

/** A step after validation: needs resolved, defaults filled. */
export interface Step {
  name: string;
  needs: string[];
  inputs: Record<string, { step: string; output: string }>;
  outputs: Record<string, ArtifactKind>;
  run: StepFunction | undefined;
  command: string | undefined;
  files: string[];
  /** The params the step reads (always set for commands); undefined: a TypeScript step reading all. */
  params: string[] | undefined;
  retries: number;
  backoffMs: number;
  timeoutMs: number | undefined;
  cache: boolean;
}

/**
 * A cron schedule: 5 fields, names (`MON`, `JAN`) or a macro (`@daily`); a plain string is read
 * in UTC, `timezone` (an IANA name such as `Europe/Berlin`) reads the fields in that zone.
 */
export type CronTrigger = string | { schedule: string; timezone?: string };

export interface PipelineTriggers {
  cron?: CronTrigger[];
  /** Dataset names: a new version of one starts a run. */
  datasets?: string[];
  /** Alerts of matching rules or models start a run; an omitted field matches any. */
  alerts?: { rule?: string; model?: string }[];
  /** Webhook calls must carry the secret held in this environment variable of the server. */
  webhook?: { secretEnv: string };
}

export interface PipelineDefinition {
  name: string;
  description?: string;
  /** Declared params with their defaults. */
  params: Params;
  /** Params whose values are shown as `***` in step logs and tracked runs (tokens, passwords). */
  secretParams: string[];
  steps: Step[];
  triggers: PipelineTriggers;
  concurrency: number;
}

/** Where a pipeline's step code lives, so a worker process can load the same code. */
export type PipelineSource = { kind: 'yaml'; path: string; text: string } | { kind: 'module'; path: string };

export type TriggerKind = 'manual' | 'cron' | 'dataset' | 'alert' | 'webhook';
export interface Trigger {
  kind: TriggerKind;
  detail: Record<string, unknown>;
}

export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'SKIPPED';
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** An output as stored: a JSON value, or a file in the artifact store; `digest` identifies its content. */
export interface StoredOutput {
  kind: ArtifactKind;
  digest: string;
  value?: unknown;
  /** Store-relative artifact path of a file output. */
  path?: string;
}

export interface StepRun {
  id: string;
  pipelineRunId: string;
  step: string;
  status: StepStatus;
  attempt: number;
  cacheKey: string | undefined;
  cacheHit: boolean;
  outputs: Record<string, StoredOutput>;
  error: string | undefined;
  logPath: string | undefined;
  trackingRunId: string | undefined;
  startTime: number | undefined;
  endTime: number | undefined;
}

export interface PipelineRun {
  id: string;
  pipeline: string;
  status: RunStatus;
  trigger: Trigger;
  params: Params;
  trackingRunId: string | undefined;
  error: string | undefined;
  startTime: number;
  endTime: number | undefined;
  steps: StepRun[];
}
