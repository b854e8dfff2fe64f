import type { Config } from '../core/config.js';
import type { ModelVersion, Promotion, RegisteredModel } from '../registry/types.js';
import type { CreateExperimentOptions, SearchExperimentsOptions } from '../sdk/experiments.js';
import type { ConversionResult } from '../registry/conversion/model-conversions.js';
import type {
  ConvertVersionOptions,
  CreateModelOptions,
  CreateVersionOptions,
  SearchModelsOptions,
} from '../sdk/models.js';
import type { CreateRunOptions, SearchRunsOptions, UpdateRunOptions } from '../sdk/runs.js';
import type { Experiment, Metric, Page, Run, RunInfo } from '../tracking/types.js';

/**
 * The tracking operations the CLI's commands use, whichever way they run: in-process on the
 * embedded store, or through the SDK against a server. The SDK's clients fit it as they are.
 */
export interface TrackingBackend {
  /** Where the data lives (a directory or a URL), for messages. */
  readonly location: string;
  readonly experiments: {
    create(options: CreateExperimentOptions): Promise<Experiment>;
    get(experimentId: string): Promise<Experiment>;
    getByName(name: string): Promise<Experiment>;
    search(options: SearchExperimentsOptions): Promise<Page<Experiment>>;
    rename(experimentId: string, newName: string): Promise<Experiment>;
    delete(experimentId: string): Promise<void>;
    restore(experimentId: string): Promise<void>;
    setTag(experimentId: string, key: string, value: string): Promise<void>;
    deleteTag(experimentId: string, key: string): Promise<void>;
  };
  readonly runs: {
    create(options: CreateRunOptions): Promise<Run>;
    update(runId: string, options: UpdateRunOptions): Promise<RunInfo>;
    uploadArtifact(runId: string, path: string, content: Uint8Array): Promise<unknown>;
    get(runId: string): Promise<Run>;
    search(options: SearchRunsOptions): Promise<Page<Run>>;
    delete(runId: string): Promise<void>;
    restore(runId: string): Promise<void>;
    metricHistory(
      runId: string,
      key: string,
      options: { maxResults?: number; pageToken?: string },
    ): Promise<Page<Metric>>;
  };
  /** The model registry's operations the `models` commands use. */
  readonly models: {
    create(options: CreateModelOptions): Promise<RegisteredModel>;
    get(name: string): Promise<RegisteredModel>;
    search(options: SearchModelsOptions): Promise<Page<RegisteredModel>>;
    delete(name: string): Promise<void>;
    createVersion(name: string, options: CreateVersionOptions): Promise<ModelVersion>;
    listVersions(
      name: string,
      options: { maxResults?: number; pageToken?: string },
    ): Promise<Page<ModelVersion>>;
    deleteVersion(name: string, version: number, options: { reason?: string }): Promise<void>;
    setAlias(
      name: string,
      alias: string,
      version: number,
      options: { reason?: string; force?: boolean },
    ): Promise<Promotion | undefined>;
    deleteAlias(name: string, alias: string, options: { reason?: string }): Promise<Promotion | undefined>;
    history(name: string, options: { alias?: string }): Promise<Promotion[]>;
    resolve(ref: string): Promise<ModelVersion>;
    convertVersion(name: string, version: number, options: ConvertVersionOptions): Promise<ConversionResult>;
  };
  close(): Promise<void>;
}

/**
 * The server at `config.url` when one is set (flag `--url` or `MLOOP_URL`), else the embedded
 * store under `config.home`. Each adapter is loaded only when used, so talking to a server never
 * opens the local database.
 */
export async function openTrackingBackend(config: Config): Promise<TrackingBackend> {
  if (config.url) {
    const { remoteBackend } = await import('./backends/remote-backend.js');
    return remoteBackend(config.url);
  }
  const { openEmbeddedBackend } = await import('./backends/embedded-backend.js');
  return openEmbeddedBackend(config);
}
