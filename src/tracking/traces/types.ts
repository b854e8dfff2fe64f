/**
 * MLflow 3's traces as tracking holds them, shaped after MLflow's TraceInfoV3 so the compatible
 * API maps one to one. Times are epoch milliseconds; JSON values are what the client sent.
 */

export const traceStates = ['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'] as const;
export type TraceState = (typeof traceStates)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface TraceInfo {
  traceId: string;
  experimentId: string;
  clientRequestId: string | undefined;
  requestTime: number;
  executionDuration: number | undefined;
  state: TraceState;
  requestPreview: string | undefined;
  responsePreview: string | undefined;
  /** Request metadata: `mlflow.sourceRun`, `mlflow.modelId`, sizes, the schema version... */
  metadata: Record<string, string>;
  /** Tags, with `mlflow.traceName` and `mlflow.artifactLocation` (where the spans are). */
  tags: Record<string, string>;
  assessments: Assessment[];
}

export interface AssessmentSource {
  sourceType: string;
  sourceId: string;
}

/** A feedback (a judgement, or the error of the judge) or an expectation (the right answer). */
export type AssessmentValue =
  | { kind: 'feedback'; value?: JsonValue | undefined; error?: { [key: string]: JsonValue } | undefined }
  | {
      kind: 'expectation';
      value?: JsonValue | undefined;
      serializedValue?: { [key: string]: JsonValue } | undefined;
    };

export interface Assessment {
  assessmentId: string;
  traceId: string;
  name: string;
  spanId: string | undefined;
  source: AssessmentSource | undefined;
  createTime: number;
  lastUpdateTime: number;
  value: AssessmentValue;
  rationale: string | undefined;
  metadata: Record<string, string> | undefined;
  /** The assessment this one replaces (which is then no longer valid). */
  overrides: string | undefined;
  valid: boolean;
  runId: string | undefined;
}

/** The tag naming where a trace's spans are stored, as MLflow's clients read it. */
export const artifactLocationTag = 'mlflow.artifactLocation';
/** The tag holding a trace's name. */
export const traceNameTag = 'mlflow.traceName';
/** The metadata naming the run a trace was recorded in. */
export const sourceRunMetadata = 'mlflow.sourceRun';
/** The file of a trace's spans under its artifact location. */
export const traceDataFile = 'traces.json';
