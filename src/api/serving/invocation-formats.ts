import { invalidParameter, MloopError } from '../../core/errors.js';
import type { ModelMetadata } from '../../registry/model-metadata.js';
import { csvRecords, csvTableKey, type CsvTable } from './csv-body.js';

/** The JSON bodies MLflow's scoring server accepts at `/invocations`; exactly one key is set. */
export interface InvocationBody {
  dataframe_split?: { columns?: unknown[]; data?: unknown[]; index?: unknown[] };
  dataframe_records?: unknown[];
  instances?: unknown[];
  inputs?: unknown;
  params?: Record<string, unknown>;
  /** A `text/csv` body, parsed by the content-type parser (header row = column names). */
  [csvTableKey]?: CsvTable;
}

export const invocationFormats = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/**
 * Turns an `/invocations` body into a function from the served model's metadata to records:
 * - `dataframe_split`: `{columns, data}` (pandas' split orient), rows zipped with the columns;
 * - `dataframe_records`: a list of records;
 * - `instances`: a list of records, or of positional rows (values in the model's feature order),
 *   or of single values for a one-feature model;
 * - `inputs`: the same lists, or columns (`{feature: [values…]}`), or, for a tensor-layout model,
 *   `{<input tensor name>: rows}`;
 * - a `text/csv` body (as MLflow's scoring server takes): a header row of column names, then rows,
 *   each cell read as its feature's type.
 */
export function invocationRecords(body: InvocationBody): (metadata: ModelMetadata) => unknown[] {
  const csv = body[csvTableKey];
  if (csv) return (metadata) => csvRecords(csv, metadata);
  const given = invocationFormats.filter((f) => body[f] !== undefined);
  if (given.length !== 1) {
    throw new MloopError(
      'BAD_REQUEST',
      given.length === 0
        ? `The body must hold one of ${invocationFormats.join(', ')}`
        : `The body holds ${given.join(' and ')}; send exactly one of ${invocationFormats.join(', ')}`,
    );
  }
  if (body.dataframe_split !== undefined) {
    const split = body.dataframe_split;
    return () => splitRecords(split);
  }
  if (body.dataframe_records !== undefined) {
    const records = body.dataframe_records;
    return () => records;
  }
  if (body.instances !== undefined) {
    const instances = body.instances;
    return (metadata) => listRecords(instances, metadata, 'instances');
  }
  const inputs = body.inputs;
  return (metadata) =>
    Array.isArray(inputs) ? listRecords(inputs, metadata, 'inputs') : columnRecords(inputs, metadata);
}

function splitRecords(split: { columns?: unknown[]; data?: unknown[] }): unknown[] {
  const columns = split.columns;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw invalidParameter(
      'dataframe_split.columns',
      'dataframe_split.columns must be a list of feature names',
    );
  }
  if (!Array.isArray(split.data)) {
    throw invalidParameter('dataframe_split.data', 'dataframe_split.data must be a list of rows');
  }
  return split.data.map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw invalidParameter(
        `dataframe_split.data[${i}]`,
        `row ${i} of dataframe_split.data must be a list of ${columns.length} values, one per column`,
      );
    }
    return Object.fromEntries(columns.map((c, j) => [c, row[j]]));
  });
}

function listRecords(items: unknown[], metadata: ModelMetadata, field: string): unknown[] {
  const names = metadata.inputs.map((f) => f.name);
  return items.map((item, i) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) return item;
    if (Array.isArray(item)) return positional(item, names, `${field}[${i}]`);
    if (names.length === 1) return { [names[0] as string]: item };
    throw invalidParameter(
      `${field}[${i}]`,
      `${field}[${i}] must be a record or a row of ${names.length} values (${names.join(', ')})`,
    );
  });
}

function positional(row: unknown[], names: string[], field: string): Record<string, unknown> {
  if (row.length !== names.length) {
    throw invalidParameter(
      field,
      `${field} has ${row.length} values; the model takes ${names.length}, in this order: ${names.join(', ')}`,
    );
  }
  return Object.fromEntries(names.map((name, j) => [name, row[j]]));
}

function columnRecords(inputs: unknown, metadata: ModelMetadata): unknown[] {
  if (typeof inputs !== 'object' || inputs === null) {
    throw invalidParameter('inputs', 'inputs must be a list of records or rows, or an object of columns');
  }
  const columns = Object.entries(inputs as Record<string, unknown>);
  const layout = metadata.layout;
  const [first] = columns;
  if (layout.kind === 'tensor' && columns.length === 1 && first?.[0] === layout.inputName) {
    const rows = first[1];
    if (!Array.isArray(rows))
      throw invalidParameter(`inputs.${first[0]}`, `inputs.${first[0]} must be a list of rows`);
    return listRecords(rows, metadata, `inputs.${first[0]}`);
  }
  let n: number | undefined;
  for (const [name, values] of columns) {
    if (!Array.isArray(values))
      throw invalidParameter(`inputs.${name}`, `inputs.${name} must be a list of values`);
    if (n !== undefined && values.length !== n) {
      throw invalidParameter(
        `inputs.${name}`,
        `inputs.${name} has ${values.length} values, other columns ${n}`,
      );
    }
    n = values.length;
  }
  return Array.from({ length: n ?? 0 }, (_, i) =>
    Object.fromEntries(columns.map(([name, values]) => [name, (values as unknown[])[i]])),
  );
}
