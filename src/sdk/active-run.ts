import type { Dataset, Run, RunInfo } from '../tracking/types.js';
import type { RunsClient, UploadedArtifact } from './runs.js';

export type EndStatus = 'FINISHED' | 'FAILED' | 'KILLED';

/** How many params one request may carry (the server's batch limit). */
const paramsPerRequest = 100;

/**
 * A started run, for training code: log as you go, then `end()`. Every call is one request, so
 * nothing is lost if the process dies halfway.
 */
export class ActiveRun {
  constructor(
    private readonly runs: RunsClient,
    /** The run as it was when it started. */
    readonly run: Run,
  ) {}

  /** The run's id. */
  get id(): string {
    return this.run.info.runId;
  }

  /** The id of the run's experiment. */
  get experimentId(): string {
    return this.run.info.experimentId;
  }

  /** Logs one metric point at a step (0 by default). */
  async logMetric(key: string, value: number, step = 0): Promise<void> {
    await this.runs.logMetric(this.id, key, value, { step });
  }

  /** Logs several metrics at the same step in one request, e.g. `{loss: 0.3, acc: 0.9}`. */
  async logMetrics(values: Record<string, number>, step = 0): Promise<void> {
    await this.runs.logBatch(this.id, {
      metrics: Object.entries(values).map(([key, value]) => ({ key, value, step })),
    });
  }

  /** Logs params, e.g. `{lr: 0.1, epochs: 20}`; values are stored as strings. */
  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    const entries = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }));
    for (let i = 0; i < entries.length; i += paramsPerRequest) {
      await this.runs.logBatch(this.id, { params: entries.slice(i, i + paramsPerRequest) });
    }
  }

  /** Sets a run tag. */
  async setTag(key: string, value: string): Promise<void> {
    await this.runs.setTag(this.id, key, value);
  }

  /** Records a dataset the run read; `context` says how (`training`, `evaluation`…). */
  async logInput(dataset: Dataset, context?: string): Promise<void> {
    const tags = context === undefined ? [] : [{ key: 'mlflow.data.context', value: context }];
    await this.runs.logInputs(this.id, [{ dataset, tags }]);
  }

  /** Uploads bytes, or the local file at a path, as the artifact `path`. */
  async uploadArtifact(path: string, content: Uint8Array | string): Promise<UploadedArtifact> {
    return this.runs.uploadArtifact(this.id, path, content);
  }

  /** Ends the run with a terminal status (FINISHED by default). */
  async end(status: EndStatus = 'FINISHED'): Promise<RunInfo> {
    return this.runs.update(this.id, { status });
  }
}
