import { existsSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { invalidParameter, MloopError } from '../core/errors.js';
import type { ModelVersion } from '../registry/types.js';
import { quoteIdentifier } from '../store/duckdb.js';
import { fileFormat, typedReadSql } from '../store/duckdb-read.js';
import { parseRelativeRange, type RelativeRange } from './window-spec.js';

/**
 * Files of dataset versions, as the data domain stores them. Monitoring only needs a path DuckDB
 * can read; the data domain provides it when it is wired in the platform.
 */
export interface DatasetVersionFiles {
  /** A DuckDB-readable file (Parquet, CSV, JSON) of dataset `name` at `version`. */
  fileOf(name: string, version: string): Promise<string>;
  /** The file of the version of `name` whose content digest is `digest`, if that version is stored. */
  fileOfDigest(name: string, digest: string): Promise<string | undefined>;
}

/** What a report compares the window with, as the user named it. */
export type ReferenceSpec =
  | { kind: 'file'; path: string }
  | { kind: 'dataset'; name: string; version: string }
  | { kind: 'window'; range: RelativeRange; text: string }
  | { kind: 'training-data' };

/**
 * Parses `--reference`: `window:-24h..-1h` (an earlier window of the same predictions), a
 * dataset version `NAME/VERSION` (unless a file of that name exists), or a data file. Nothing
 * means the training data of the model version, from its lineage.
 */
export function parseReference(text: string | undefined): ReferenceSpec {
  if (text === undefined || text.trim() === '') return { kind: 'training-data' };
  if (text.startsWith('window:')) {
    return { kind: 'window', range: parseRelativeRange(text.slice('window:'.length)), text };
  }
  const dataset = /^([^/\\]+)\/(\d+)$/.exec(text);
  if (dataset && !existsSync(text)) return { kind: 'dataset', name: dataset[1]!, version: dataset[2]! };
  if (!existsSync(text)) {
    throw invalidParameter(
      'reference',
      `reference "${text}" is neither a file nor a dataset version: pass a Parquet/CSV/JSON file, NAME/VERSION, or window:-24h..-1h`,
    );
  }
  return { kind: 'file', path: text };
}

/** `reference` as a view over a file, and how to describe it. */
export async function createFileReference(
  connection: DuckDBConnection,
  view: string,
  path: string,
): Promise<void> {
  // Types found once and fixed in the view: every query of the report reads the view again.
  const read = await typedReadSql(connection, fileFormat(path, 'reference'), [path]);
  await connection.run(`CREATE OR REPLACE VIEW ${quoteIdentifier(view)} AS SELECT * FROM ${read}`);
}

/**
 * The file of a dataset version named on the command line, or of the training data a model
 * version's lineage records; fails with what to do instead when there is none.
 */
export async function datasetReferenceFile(
  spec: Extract<ReferenceSpec, { kind: 'dataset' | 'training-data' }>,
  version: ModelVersion,
  datasets: DatasetVersionFiles | undefined,
): Promise<{ path: string; description: string }> {
  if (spec.kind === 'dataset') {
    if (!datasets) {
      throw new MloopError(
        'INVALID_STATE',
        `dataset versions are not available in this installation, so reference "${spec.name}/${spec.version}" cannot be read: pass a data file or window:-24h..-1h as --reference`,
        'reference',
      );
    }
    return {
      path: await datasets.fileOf(spec.name, spec.version),
      description: `dataset ${spec.name}/${spec.version}`,
    };
  }
  const trained = version.lineage.datasets;
  if (datasets) {
    for (const d of trained) {
      const path = await datasets.fileOfDigest(d.name, d.digest);
      if (path) return { path, description: `training dataset ${d.name} (digest ${d.digest})` };
    }
  }
  const what =
    trained.length === 0
      ? `the lineage of ${version.name}/${version.version} names no training dataset`
      : `the training dataset of ${version.name}/${version.version} (${trained.map((d) => `${d.name}@${d.digest}`).join(', ')}) is not a stored dataset version`;
  throw new MloopError(
    'INVALID_STATE',
    `${what}: pass --reference (a data file, a dataset version NAME/VERSION, or window:-24h..-1h)`,
    'reference',
  );
}
