import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { Kysely } from 'kysely';
import type { FeatureSpec, ModelMetadata } from '../registry/model-metadata.js';
import type { Prediction } from '../serving/model-runtime.js';
import type { ServingTables } from '../serving/tables.js';
import type { ColumnKind } from './drift/default-test.js';
import { quoteIdentifier } from '../store/duckdb.js';

/** Which predictions a window holds: one model (one version, or all), optionally one deployment. */
export interface PredictionWindowFilter {
  model: string;
  /** Only this version's predictions; every version's when undefined. */
  version?: number | undefined;
  /** Only predictions routed by this deployment (its shadow copies left out). */
  deployment?: string | undefined;
  /** Inclusive start, ms since the epoch. */
  from: number;
  /** Exclusive end, ms since the epoch. */
  to: number;
}

/** The columns a window is read into: the model's features, then its prediction columns. */
export interface WindowColumn {
  name: string;
  kind: ColumnKind;
  /** Where the value comes from: a feature of the inputs, or a part of the prediction. */
  source: { feature: string } | { prediction: 'label' | 'value' } | { probability: string };
}

/** A window loaded into a DuckDB table, plus its inputs for data-quality checks. */
export interface LoadedWindow {
  table: string;
  rows: number;
  columns: WindowColumn[];
  /** Each prediction's inputs as logged, in time order (data quality reads them row by row). */
  inputs: Record<string, unknown>[];
}

/** Prediction columns are named so they cannot clash with a feature a client sends. */
export const predictionColumnPrefix = 'prediction.';

/**
 * The columns a model's window is read into: a numeric or categorical column per feature (as the
 * signature types it), then `prediction.label` (classification, always categorical, since class
 * labels like 0/1 are names, not quantities) with `prediction.proba.<class>` per class, or
 * `prediction.value` (regression).
 */
export function windowColumns(
  metadata: Pick<ModelMetadata, 'inputs' | 'task' | 'classLabels'>,
): WindowColumn[] {
  const columns: WindowColumn[] = metadata.inputs.map((f) => ({
    name: f.name,
    kind: featureKind(f),
    source: { feature: f.name },
  }));
  if (metadata.task === 'regression') {
    columns.push({
      name: `${predictionColumnPrefix}value`,
      kind: 'numeric',
      source: { prediction: 'value' },
    });
    return columns;
  }
  columns.push({
    name: `${predictionColumnPrefix}label`,
    kind: 'categorical',
    source: { prediction: 'label' },
  });
  for (const label of metadata.classLabels ?? []) {
    columns.push({
      name: `${predictionColumnPrefix}proba.${String(label)}`,
      kind: 'numeric',
      source: { probability: String(label) },
    });
  }
  return columns;
}

export function featureKind(feature: FeatureSpec): ColumnKind {
  return feature.type === 'string' || feature.type === 'bool' ? 'categorical' : 'numeric';
}

const pageRows = 5000;

/**
 * Reads a window of the prediction log into a new DuckDB table `table`, page by page (keyset on
 * time and id, so memory holds one page of rows at a time besides the inputs kept for quality),
 * through DuckDB's appender: no temporary files, no per-value SQL. A value of the wrong type (a
 * string in a numeric feature) becomes NULL in the table; data quality reports it from the inputs.
 */
export async function loadPredictionWindow(
  db: Kysely<ServingTables>,
  connection: DuckDBConnection,
  table: string,
  filter: PredictionWindowFilter,
  columns: WindowColumn[],
): Promise<LoadedWindow> {
  const definition = columns
    .map((c) => `${quoteIdentifier(c.name)} ${c.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR'}`)
    .join(', ');
  await connection.run(`CREATE OR REPLACE TABLE ${quoteIdentifier(table)} (${definition})`);
  const appender = await connection.createAppender(table);
  const inputs: Record<string, unknown>[] = [];
  try {
    let after: { time: number; id: string } | undefined;
    for (;;) {
      const page = await readPage(db, filter, after);
      for (const row of page) {
        const record = JSON.parse(row.inputs) as Record<string, unknown>;
        const outputs = JSON.parse(row.outputs) as Prediction;
        inputs.push(record);
        appendRow(appender, columns, record, outputs);
      }
      const last = page[page.length - 1];
      if (page.length < pageRows || !last) break;
      after = { time: Number(last.time), id: last.id };
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return { table, rows: inputs.length, columns, inputs };
}

async function readPage(
  db: Kysely<ServingTables>,
  filter: PredictionWindowFilter,
  after: { time: number; id: string } | undefined,
): Promise<Array<{ id: string; time: number; inputs: string; outputs: string }>> {
  let query = db
    .selectFrom('predictions')
    .select(['id', 'time', 'inputs', 'outputs'])
    .where('model', '=', filter.model)
    .where('time', '>=', filter.from)
    .where('time', '<', filter.to);
  if (filter.version !== undefined) query = query.where('version', '=', filter.version);
  if (filter.deployment !== undefined) {
    query = query.where('deployment', '=', filter.deployment).where('arm', '!=', 'shadow');
  }
  if (after) {
    const { time, id } = after;
    query = query.where((eb) =>
      eb.or([eb('time', '>', time), eb.and([eb('time', '=', time), eb('id', '>', id)])]),
    );
  }
  return query.orderBy('time', 'asc').orderBy('id', 'asc').limit(pageRows).execute();
}

function appendRow(
  appender: DuckDBAppender,
  columns: WindowColumn[],
  record: Record<string, unknown>,
  outputs: Prediction,
): void {
  for (const column of columns) {
    const value = valueOf(column, record, outputs);
    if (column.kind === 'numeric') {
      if (typeof value === 'number' && Number.isFinite(value)) appender.appendDouble(value);
      else appender.appendNull();
    } else if (value === null || value === undefined || typeof value === 'object') {
      appender.appendNull();
    } else {
      appender.appendVarchar(String(value));
    }
  }
  appender.endRow();
}

function valueOf(column: WindowColumn, record: Record<string, unknown>, outputs: Prediction): unknown {
  const source = column.source;
  if ('feature' in source) {
    return Object.prototype.hasOwnProperty.call(record, source.feature) ? record[source.feature] : undefined;
  }
  if ('prediction' in source) return outputs[source.prediction];
  return outputs.probabilities?.[source.probability];
}
