import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { invalidParameter, MloopError } from '../core/errors.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { ModelVersion } from '../registry/types.js';
import type { ServingTables } from '../serving/tables.js';
import type { ColumnKind } from './drift/default-test.js';
import { computeDriftReport, type DriftReport } from './drift/index.js';
import { quoteIdentifier, withDuckDb } from '../store/duckdb.js';
import { checkDataQuality, type DataQualityReport } from './quality/index.js';
import { profileRelation } from './quality/relation-profile.js';
import {
  createFileReference,
  datasetReferenceFile,
  parseReference,
  type DatasetVersionFiles,
} from './reference-data.js';
import { formatWindowLength } from './window-spec.js';
import { loadPredictionWindow, windowColumns, type PredictionWindowFilter } from './windows.js';

export interface MonitorReportRequest {
  /** `NAME@ALIAS`, `NAME/VERSION` or `NAME/latest`. */
  ref: string;
  /** Length of the current window, ending at `to`, ms. */
  windowMs: number;
  /** `--reference`: a file, `NAME/VERSION` of a dataset, `window:-24h..-1h`; default the training data. */
  reference?: string | undefined;
  /** Read every version's predictions in the window, not only the resolved version's. */
  allVersions?: boolean | undefined;
  /** Only predictions routed by this deployment. */
  deployment?: string | undefined;
  /** Dataset drift when at least this share of columns drift (default 0.5). */
  driftShare?: number | undefined;
  /** Exclusive end of the window, ms since the epoch (default: now included). */
  to?: number | undefined;
}

export interface MonitorReport {
  model: string;
  version: number;
  allVersions: boolean;
  deployment?: string;
  window: { from: number; to: number; length: string; rows: number };
  reference: { description: string; rows: number };
  /** Per feature and per prediction column; features first. */
  drift: DriftReport;
  /** The window's inputs checked against the reference's profile (features only). */
  quality: DataQualityReport;
}

export interface MonitorReportDependencies {
  registry: { resolve(ref: string): Promise<ModelVersion> };
  /** The prediction log's pending writes are flushed first, so a report sees every prediction made. */
  predictionLog: { flush(): Promise<void> };
  db: Kysely<ServingTables>;
  clock: Clock;
  /** Dataset versions' files; without it only files and windows can be references. */
  datasets?: DatasetVersionFiles | undefined;
}

const currentTable = 'current_window';
const referenceRelation = 'reference_data';

/**
 * Drift and data quality of a model's recent predictions: the window of the prediction log is
 * read into DuckDB (features and prediction columns), compared column by column with the
 * reference, and its inputs checked against the reference's profile.
 */
export class MonitorReports {
  constructor(private readonly deps: MonitorReportDependencies) {}

  /** Builds the report of `request.ref` over the window ending now (or at `request.to`). */
  async report(request: MonitorReportRequest): Promise<MonitorReport> {
    if (!(request.windowMs > 0)) throw invalidParameter('window', 'window must be a positive length of time');
    const reference = parseReference(request.reference);
    const version = await this.deps.registry.resolve(request.ref);
    const metadata = servableMetadata(version);
    // The window is (now - length, now]: a prediction made this very millisecond is in it.
    const to = request.to ?? this.deps.clock.now() + 1;
    const allVersions = request.allVersions ?? false;
    const filter = (from: number, end: number): PredictionWindowFilter => ({
      model: version.name,
      version: allVersions ? undefined : version.version,
      deployment: request.deployment,
      from,
      to: end,
    });
    const columns = windowColumns(metadata);
    await this.deps.predictionLog.flush();

    return withDuckDb(async (connection) => {
      const current = await loadPredictionWindow(
        this.deps.db,
        connection,
        currentTable,
        filter(to - request.windowMs, to),
        columns,
      );
      let description: string;
      if (reference.kind === 'window') {
        const { startOffsetMs, endOffsetMs } = reference.range;
        await loadPredictionWindow(
          this.deps.db,
          connection,
          referenceRelation,
          filter(to + startOffsetMs, to + endOffsetMs),
          columns,
        );
        description = `predictions ${reference.text.slice('window:'.length)}`;
      } else {
        const file =
          reference.kind === 'file'
            ? { path: reference.path, description: `file ${reference.path}` }
            : await datasetReferenceFile(reference, version, this.deps.datasets);
        await createFileReference(connection, referenceRelation, file.path);
        description = file.description;
      }
      const referenceColumns = await relationColumns(connection, referenceRelation);
      const compared = columns.filter((c) => referenceColumns.has(c.name));
      if (compared.length === 0) {
        throw invalidParameter(
          'reference',
          `the reference (${description}) has none of the model's features (${metadata.inputs.map((f) => f.name).join(', ')})`,
        );
      }
      const drift = await computeDriftReport({
        reference: { table: referenceRelation },
        current: { table: currentTable },
        columns: compared.map((c) => ({ name: c.name, type: c.kind })),
        options: {
          connection,
          ...(request.driftShare !== undefined ? { driftShare: request.driftShare } : {}),
        },
      });
      const features = new Map<string, ColumnKind>(
        compared.filter((c) => 'feature' in c.source).map((c) => [c.name, c.kind]),
      );
      const profile = await profileRelation(connection, referenceRelation, features);
      const referenceRows = await countRows(connection, referenceRelation);
      return {
        model: version.name,
        version: version.version,
        allVersions,
        ...(request.deployment ? { deployment: request.deployment } : {}),
        window: {
          from: to - request.windowMs,
          to,
          length: formatWindowLength(request.windowMs),
          rows: current.rows,
        },
        reference: { description, rows: referenceRows },
        drift,
        quality: checkDataQuality(current.inputs, profile),
      };
    });
  }
}

function servableMetadata(version: ModelVersion): Omit<ModelMetadata, 'lineage'> {
  if (!version.metadata) {
    throw new MloopError(
      'INVALID_STATE',
      `${version.name}/${version.version} has no model signature (it is not an ONNX package mloop serves), so its predictions cannot be monitored`,
    );
  }
  return version.metadata;
}

async function relationColumns(connection: DuckDBConnection, relation: string): Promise<Set<string>> {
  const result = await connection.run(`SELECT * FROM ${quoteIdentifier(relation)} LIMIT 0`);
  const names = new Set<string>();
  for (let i = 0; i < result.columnCount; i++) names.add(result.columnName(i));
  return names;
}

async function countRows(connection: DuckDBConnection, relation: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${quoteIdentifier(relation)}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}
