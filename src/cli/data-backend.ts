import type { Config } from '../core/config.js';
import type { PiiMode } from '../core/pii-mode.js';
import type { DatasetDiff } from '../data/dataset-diff.js';
import type { ProgressListener } from '../data/source-files.js';
import type {
  AddedVersion,
  Dataset,
  DatasetFormat,
  DatasetVersion,
  DatasetVersionSummary,
} from '../data/types.js';

export interface DataAddOptions {
  format?: DatasetFormat;
  source?: string;
  parentVersion?: number;
  onProgress?: ProgressListener;
  pii?: Record<string, PiiMode>;
}

/** The dataset operations of `mloop data`, in-process on the embedded store or against a server. */
export interface DataBackend {
  readonly location: string;
  add(name: string, path: string, options: DataAddOptions): Promise<AddedVersion>;
  list(): Promise<Dataset[]>;
  listVersions(name: string): Promise<DatasetVersionSummary[]>;
  get(ref: string): Promise<DatasetVersion>;
  diff(from: string, to: string): Promise<DatasetDiff>;
  /** Writes the version to `output`; answers the format written. */
  materialise(
    ref: string,
    output: string,
    format?: DatasetFormat,
  ): Promise<{ version: DatasetVersion; format: DatasetFormat }>;
  /** Logs the version as a dataset input of the run. */
  logToRun(runId: string, ref: string, context?: string): Promise<DatasetVersion>;
  close(): Promise<void>;
}

/** The server at `config.url` when one is set, else the embedded store; loaded only when used. */
export async function openDataBackend(config: Config): Promise<DataBackend> {
  if (config.url) {
    const { remoteDataBackend } = await import('./backends/remote-data-backend.js');
    return remoteDataBackend(config.url);
  }
  const { openEmbeddedDataBackend } = await import('./backends/embedded-data-backend.js');
  return openEmbeddedDataBackend(config);
}
