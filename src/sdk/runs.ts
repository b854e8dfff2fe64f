import { readFile } from 'node:fs/promises';
import { MloopError } from '../core/errors.js';
import { sha256Hex } from '../core/hashing.js';
import type { ArtifactFile } from '../tracking/artifacts.js';
import type {
  DatasetInput,
  Metric,
  Page,
  Param,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from '../tracking/types.js';
import { encodePath, type HttpClient } from './http.js';
import { metricFromWire, metricToWire, runFromWire, type WireMetric, type WireRun } from './wire.js';

export type { ArtifactFile };

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  userId?: string;
  /** Milliseconds since the epoch; the server's clock when omitted. */
  startTime?: number;
  /** Makes the new run a child of this run. */
  parentRunId?: string;
  tags?: Tag[];
}

export interface UpdateRunOptions {
  status?: RunStatus;
  /** Set to the server's clock when a terminal status is given without it. */
  endTime?: number;
  runName?: string;
}

/** A metric point to log; the server fills in `timestamp` (its clock) and `step` (0) when omitted. */
export interface MetricInput {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
}

export interface LogBatchOptions {
  metrics?: MetricInput[];
  params?: Param[];
  tags?: Tag[];
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /** MLflow's grammar, e.g. `metrics.acc > 0.9 and params.model = 'rf'`. */
  filter?: string;
  /** e.g. `['metrics.acc DESC']`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  /** ACTIVE_ONLY by default. */
  viewType?: ViewType;
}

export interface UploadedArtifact {
  path: string;
  size: number;
  sha256: string;
}

const base = '/api/v1/runs';
const at = (id: string) => `${base}/${encodeURIComponent(id)}`;

/** Runs on a mloop server: their lifecycle, what is logged to them, and their artifact files. */
export class RunsClient {
  constructor(private readonly http: HttpClient) {}

  /** Starts a run (status RUNNING) in an active experiment; `parentRunId` nests it under another run. */
  async create(options: CreateRunOptions): Promise<Run> {
    return runFromWire(await this.http.json<WireRun>('POST', base, { json: options }));
  }

  /** The run with its latest metrics, params, tags and dataset inputs. */
  async get(runId: string): Promise<Run> {
    return runFromWire(await this.http.json<WireRun>('GET', at(runId)));
  }

  /** Changes a run's status, end time or name; ending a run is `update(id, {status: 'FINISHED'})`. */
  async update(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    const info = await this.http.json<RunInfo>('PATCH', at(runId), { json: options });
    return { ...info, endTime: info.endTime ?? undefined, parentRunId: info.parentRunId ?? undefined };
  }

  /** Soft-deletes a run; `restore` brings it back. */
  async delete(runId: string): Promise<void> {
    await this.http.json('DELETE', at(runId));
  }

  /** Restores a deleted run. */
  async restore(runId: string): Promise<void> {
    await this.http.json('POST', `${at(runId)}/restore`);
  }

  /**
   * Logs metrics, params and tags in one atomic request: a rejected batch leaves nothing behind.
   * At most 1000 metrics, 100 params and 100 tags per batch.
   */
  async logBatch(runId: string, batch: LogBatchOptions): Promise<void> {
    await this.http.json('POST', `${at(runId)}/log`, {
      json: { metrics: batch.metrics?.map(metricToWire), params: batch.params, tags: batch.tags },
    });
  }

  /** Logs one metric point (NaN and ±Infinity allowed). */
  async logMetric(
    runId: string,
    key: string,
    value: number,
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    await this.logBatch(runId, { metrics: [{ key, value, ...options }] });
  }

  /** Logs one param; a param cannot change once logged. */
  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.logBatch(runId, { params: [{ key, value: String(value) }] });
  }

  /** Sets (or overwrites) one run tag. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { tags: [{ key, value }] });
  }

  /** Removes a run tag; RESOURCE_DOES_NOT_EXIST when the run has no such tag. */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.json('DELETE', `${at(runId)}/tags/${encodeURIComponent(key)}`);
  }

  /** One page of every logged point of a metric, ordered by step then timestamp. */
  async metricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<Metric>> {
    const page = await this.http.json<{ metrics: WireMetric[]; nextPageToken?: string }>(
      'GET',
      `${at(runId)}/metrics/${encodeURIComponent(key)}`,
      {
        query: options,
      },
    );
    return { items: page.metrics.map(metricFromWire), nextPageToken: page.nextPageToken };
  }

  /** Records datasets the run read (name, digest, source); the context tag `mlflow.data.context` says how (train, eval…). */
  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.http.json('POST', `${at(runId)}/inputs`, { json: { datasets } });
  }

  /** One page of runs matching MLflow's filter grammar, in the requested order. */
  async search(options: SearchRunsOptions): Promise<Page<Run>> {
    const { viewType, ...rest } = options;
    const page = await this.http.json<{ runs: WireRun[]; nextPageToken?: string }>('POST', `${base}/search`, {
      json: { ...rest, view: viewType },
    });
    return { items: page.runs.map(runFromWire), nextPageToken: page.nextPageToken };
  }

  /**
   * Uploads a file to the run's artifacts at `path` (e.g. `model/model.json`). `content` is the
   * bytes themselves, or — when a string — the path of a local file to read.
   */
  async uploadArtifact(runId: string, path: string, content: Uint8Array | string): Promise<UploadedArtifact> {
    const bytes = typeof content === 'string' ? await readLocalFile(content) : content;
    return this.http.json<UploadedArtifact>('PUT', `${at(runId)}/artifacts/${encodePath(path)}`, { bytes });
  }

  /** The direct children of a directory of the run's artifacts (the root by default). */
  async listArtifacts(runId: string, path = ''): Promise<ArtifactFile[]> {
    const page = await this.http.json<{ files: ArtifactFile[] }>('GET', `${at(runId)}/artifacts`, {
      query: { path: path || undefined },
    });
    return page.files;
  }

  /** Downloads an artifact file; the bytes are checked against the sha256 recorded at upload. */
  async downloadArtifact(runId: string, path: string): Promise<Uint8Array> {
    const response = await this.http.send('GET', `${at(runId)}/artifacts/${encodePath(path)}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const expected = response.headers.get('x-mloop-sha256');
    if (expected && sha256Hex(bytes) !== expected) {
      throw new MloopError(
        'INTERNAL_ERROR',
        `artifact ${path} of run ${runId} arrived corrupted (sha256 mismatch): download it again`,
      );
    }
    return bytes;
  }
}

async function readLocalFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new MloopError(
      'INVALID_PARAMETER_VALUE',
      `cannot read ${file}: ${(error as Error).message}`,
      'content',
    );
  }
}
