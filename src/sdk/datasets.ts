import { readFile } from 'node:fs/promises';
import { MloopError } from '../core/errors.js';
import type { PiiMode } from '../core/pii-mode.js';
import type { DatasetDiff } from '../data/dataset-diff.js';
import { parseDatasetRef } from '../data/dataset-ref.js';
import { formatOfPath } from '../data/source-files.js';
import type {
  AddedVersion,
  Dataset,
  DatasetFormat,
  DatasetVersion,
  DatasetVersionSummary,
} from '../data/types.js';
import { datasetVersionInput } from '../tracking/dataset-version-input.js';
import type { HttpClient } from './http.js';

export interface AddVersionOptions {
  /** Taken from the file name when `content` is a path. */
  format?: DatasetFormat;
  source?: string;
  parentVersion?: number;
  description?: string;
  /** Columns holding personal data (`{ email: 'redact', customer_id: 'hash' }`); each must be a column. */
  pii?: Record<string, PiiMode>;
}

const base = '/api/v1/datasets';
const at = (name: string) => `${base}/${encodeURIComponent(name)}`;

/** Versioned datasets on a mloop server: add, list, show, diff, download, and log to runs. */
export class DatasetsClient {
  constructor(private readonly http: HttpClient) {}

  /**
   * Adds a version from a local file path (or its bytes, with `format`). The server profiles
   * it; the same bytes answer the existing version with `created: false`.
   */
  async add(
    name: string,
    content: string | Uint8Array,
    options: AddVersionOptions = {},
  ): Promise<AddedVersion> {
    const format = options.format ?? (typeof content === 'string' ? formatOfPath(content) : undefined);
    if (!format) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        'say the format (csv, parquet or jsonl) of the data',
        'format',
      );
    }
    const bytes = typeof content === 'string' ? new Uint8Array(await readFile(content)) : content;
    return this.http.json<AddedVersion>('POST', `${at(name)}/versions`, {
      bytes,
      query: {
        format,
        source: options.source,
        parentVersion: options.parentVersion,
        description: options.description,
        pii:
          options.pii === undefined
            ? undefined
            : Object.entries(options.pii)
                .map(([column, mode]) => `${column}:${mode}`)
                .join(','),
      },
    });
  }

  /** Every dataset with its latest version number. */
  async list(): Promise<Dataset[]> {
    return (await this.http.json<{ datasets: Dataset[] }>('GET', base)).datasets;
  }

  /** A dataset's versions, newest first, without profiles. */
  async listVersions(name: string): Promise<DatasetVersionSummary[]> {
    return (await this.http.json<{ versions: DatasetVersionSummary[] }>('GET', `${at(name)}/versions`))
      .versions;
  }

  /** The version a ref names (`NAME`, `NAME/3`, `NAME@latest`, `NAME@<digest prefix>`), with its profile. */
  async get(ref: string): Promise<DatasetVersion> {
    const parsed = parseDatasetRef(ref);
    if (parsed.kind === 'digest') {
      return this.http.json<DatasetVersion>('GET', `${at(parsed.name)}/digests/${parsed.digestPrefix}`);
    }
    const version = parsed.kind === 'version' ? String(parsed.version) : 'latest';
    return this.http.json<DatasetVersion>('GET', `${at(parsed.name)}/versions/${version}`);
  }

  /** Schema changes, row counts and profile shifts between two versions of one dataset. */
  async diff(from: string, to: string): Promise<DatasetDiff> {
    const [a, b] = [await this.get(from), await this.get(to)];
    if (a.name !== b.name) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        'the server diffs two versions of the same dataset',
        'to',
      );
    }
    return this.http.json<DatasetDiff>('GET', `${at(a.name)}/diff`, {
      query: { from: a.version, to: b.version },
    });
  }

  /** A single-file version's bytes, exactly as they were added. */
  async download(ref: string): Promise<{ version: DatasetVersion; bytes: Uint8Array }> {
    const version = await this.get(ref);
    const response = await this.http.send('GET', `${at(version.name)}/versions/${version.version}/file`);
    return { version, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  /** Records that a run read this version (`context`: train, eval…), so models trained in it trace back to it. */
  async logToRun(runId: string, ref: string, context?: string): Promise<DatasetVersion> {
    const version = await this.get(ref);
    await this.http.json('POST', `/api/v1/runs/${encodeURIComponent(runId)}/inputs`, {
      json: { datasets: [datasetVersionInput(version, context)] },
    });
    return version;
  }
}
