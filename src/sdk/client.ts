import { getOrCreate } from '../core/errors.js';
import type { Experiment } from '../tracking/types.js';
import { ActiveRun } from './active-run.js';
import { DatasetValidationsClient } from './dataset-validations.js';
import { DatasetsClient } from './datasets.js';
import { DeploymentsClient } from './deployments.js';
import { ExperimentsClient } from './experiments.js';
import { FeedbackClient } from './feedback.js';
import { HttpClient } from './http.js';
import { readSetting } from '../core/config.js';
import { ModelsClient } from './models.js';
import { GatesClient } from './gates.js';
import { PipelinesClient } from './pipelines.js';
import { RunsClient } from './runs.js';
import { TrainingClient } from './training.js';

/** Where the client connects when neither `url` nor `MLOOP_URL` says otherwise. */
export const defaultUrl = 'http://127.0.0.1:5050';

export interface MloopClientOptions {
  /** Base URL of the server; `MLOOP_URL`, then http://127.0.0.1:5050, when omitted. */
  url?: string;
  /** Headers sent with every request, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** Give up on a request after this many milliseconds; 120 s by default. */
  timeoutMs?: number;
  /** API token (`mlp_…`) sent as a bearer token; `MLOOP_TOKEN` by default. */
  token?: string;
}

export interface StartRunOptions {
  /** Name of the experiment; it is created when missing. */
  experiment: string;
  runName?: string;
  /** Nests the new run under this one (e.g. one child run per trial of a tuning run). */
  parentRunId?: string;
  tags?: Record<string, string>;
}

/**
 * The TypeScript client of a mloop server's REST API. Every failure is a `MloopError` with the
 * server's code (`RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`…) and message.
 *
 * ```ts
 * const client = new MloopClient({ url: 'http://127.0.0.1:5050' });
 * const run = await client.startRun({ experiment: 'churn' });
 * await run.logParams({ lr: 0.1 });
 * await run.logMetric('loss', 0.42, 1);
 * await run.end('FINISHED');
 * ```
 */
export class MloopClient {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly experiments: ExperimentsClient;
  readonly runs: RunsClient;
  /** The model registry: registered models, versions, aliases, promotion history. */
  readonly models: ModelsClient;
  /** Evaluation gates: run one on a version, read its reports, hold a model to a gate. */
  readonly gates: GatesClient;
  readonly deployments: DeploymentsClient;
  /** Labels for predictions, and performance measured from them. */
  readonly feedback: FeedbackClient;
  /** Validation suites on dataset versions: run one, read reports, suggest a suite. */
  readonly datasetValidations: DatasetValidationsClient;
  /** Versioned datasets: add, list, show, diff, download, log to runs. */
  readonly datasets: DatasetsClient;
  /** Pipelines: register from YAML, start, follow, cancel and resume runs on the server. */
  readonly pipelines: PipelinesClient;
  /** Built-in training in this process, recorded on the server (runs, model packages, lineage). */
  readonly training: TrainingClient;

  constructor(options: MloopClientOptions = {}) {
    const token = options.token ?? readSetting('token');
    const http = new HttpClient({
      url: options.url ?? (readSetting('url') || defaultUrl),
      ...(options.headers || token ? { headers: { ...bearer(token), ...options.headers } } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    this.url = http.baseUrl;
    this.experiments = new ExperimentsClient(http);
    this.runs = new RunsClient(http);
    this.models = new ModelsClient(http);
    this.gates = new GatesClient(http);
    this.deployments = new DeploymentsClient(http);
    this.feedback = new FeedbackClient(http);
    this.datasetValidations = new DatasetValidationsClient(http);
    this.datasets = new DatasetsClient(http);
    this.pipelines = new PipelinesClient(http);
    this.training = new TrainingClient(this);
  }

  /** The experiment with this name, created first when there is none. */
  getOrCreateExperiment(name: string): Promise<Experiment> {
    return getOrCreate(
      () => this.experiments.getByName(name),
      () => this.experiments.create({ name }),
    );
  }

  /** Starts a run in the named experiment (created when missing) and returns a handle to log to it. */
  async startRun(options: StartRunOptions): Promise<ActiveRun> {
    const experiment = await this.getOrCreateExperiment(options.experiment);
    const run = await this.runs.create({
      experimentId: experiment.experimentId,
      ...(options.runName ? { runName: options.runName } : {}),
      ...(options.parentRunId ? { parentRunId: options.parentRunId } : {}),
      tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    return new ActiveRun(this.runs, run);
  }
}

function bearer(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
