/** Wire types of the native API (camelCase), as the server's schemas declare them. */
export interface Tag {
  key: string;
  value: string;
}
export interface Metric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}
export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
  /** Active runs; in listings only. */
  runCount?: number;
}
export interface DatasetInput {
  dataset: { name: string; digest: string; sourceType: string; source: string };
  tags: Tag[];
}
export interface Run {
  info: {
    runId: string;
    runName: string;
    experimentId: string;
    userId: string;
    status: string;
    startTime: number;
    endTime?: number;
    artifactUri: string;
    parentRunId?: string;
  };
  data: { metrics: Metric[]; params: Tag[]; tags: Tag[] };
  inputs: { datasetInputs: DatasetInput[] };
}
export interface ArtifactFile {
  path: string;
  isDir: boolean;
  size?: number;
}
export interface RegisteredModel {
  name: string;
  description?: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: Tag[];
  aliases: { alias: string; version: number }[];
  latestVersion?: number;
}
export interface Lineage {
  runId?: string;
  datasets: { name: string; digest: string; versionId?: string }[];
  git?: { commit: string; dirty: boolean; remote?: string };
}
export interface ModelVersion {
  name: string;
  version: number;
  creationTime: number;
  description?: string;
  source: string;
  runId?: string;
  status: string;
  stage: string;
  format?: string;
  metadata?: { task: string; inputs: { name: string; type: string }[] };
  tags: Tag[];
  aliases: string[];
  lineage: Lineage;
}
export interface Promotion {
  id: string;
  name: string;
  kind: string;
  alias: string;
  fromVersion?: number;
  toVersion?: number;
  time?: number;
  reason?: string;
  [key: string]: unknown;
}
export interface ArmStats {
  requests: number;
  errors: number;
  p99LatencyMs?: number;
}
export interface Deployment {
  name: string;
  model: string;
  primary: string;
  candidate?: { version: string; mode: string; percent: number };
  rollout?: { status: string; stepIndex: number; plan: { steps: number[] }; reason?: string };
  status: string;
  description?: string;
  createdTime: number;
  updatedTime: number;
  revision: number;
}
/** One arm's requests in one minute (GET /api/v1/deployments/:name/stats/minutes). */
export interface MinuteStats extends ArmStats {
  /** Start of the minute, ms since the epoch. */
  time: number;
  arm: string;
}
export interface DeploymentStats {
  sinceTime: number;
  primary: ArmStats;
  candidate: ArmStats;
  shadow: ArmStats;
}
export interface DeploymentEvent {
  id: number;
  time: number;
  kind: string;
  fromPercent?: number;
  toPercent?: number;
  reason: string;
  primaryVersion?: string;
  candidateVersion?: string;
}
export interface Prediction {
  id: string;
  requestId: string;
  time: number;
  model: string;
  version: number;
  deployment?: string;
  arm: string;
  inputs: Record<string, unknown>;
  outputs: { label?: string | number; value?: number; probabilities?: unknown };
  latencyMs: number;
}
export interface HistogramBin {
  lower: number;
  upper: number;
  count: number;
}
export interface ColumnProfile {
  name: string;
  type: string;
  kind: string;
  count: number;
  missingShare: number;
  distinct: number;
  /** True when `distinct` is an estimate (large tables). */
  distinctApproximate?: boolean;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  histogram?: HistogramBin[];
  topValues?: { value: string; count: number }[];
}
export interface Dataset {
  name: string;
  description?: string;
  createdAt: number;
  latestVersion: number;
}
export interface DatasetVersion {
  name: string;
  version: number;
  digest: string;
  format: string;
  schema: { name: string; type: string }[];
  rowCount: number;
  sizeBytes: number;
  createdAt: number;
  parentVersion?: number;
  profile?: { rowCount: number; columns: ColumnProfile[] };
}
export interface Alert {
  id: string;
  rule: string;
  model: string;
  kind: string;
  value: number;
  threshold: number;
  status: string;
  message: string;
  firedTime: number;
  resolvedTime?: number;
}
export interface AlertRule {
  name: string;
  kind: string;
  threshold: number;
  windowMs: number;
  enabled: boolean;
  lastEvaluation?: { time: number; outcome: string; value?: number; message?: string };
}

/** A trace in an experiment's list (GET /api/v1/experiments/:id/traces). */
export interface TraceSummary {
  traceId: string;
  experimentId: string;
  name?: string;
  state: string;
  requestTime: number;
  executionDuration?: number;
  requestPreview?: string;
  responsePreview?: string;
  runIds: string[];
  tags: { key: string; value: string }[];
  assessmentCount: number;
}

/** One span of a trace, times in epoch milliseconds. */
export interface Span {
  spanId: string;
  parentId?: string;
  name: string;
  spanType?: string;
  startTime: number;
  endTime?: number;
  status: string;
  statusMessage?: string;
  inputs?: unknown;
  outputs?: unknown;
  attributes: Record<string, unknown>;
}

/** A trace with its spans and assessments (GET /api/v1/traces/:id). */
export interface TraceDetail extends TraceSummary {
  metadata: Record<string, string>;
  assessments: {
    assessmentId: string;
    name: string;
    kind: string;
    value: unknown;
    rationale?: string;
    source?: string;
    spanId?: string;
    valid: boolean;
  }[];
  spans: Span[];
}
