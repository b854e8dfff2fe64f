import { invalidParameter } from '../core/errors.js';
import type { FeatureSpec, FeatureType } from '../registry/model-metadata.js';

/** One record as a client sends it: feature name → value. */
export type FeatureRecord = Record<string, unknown>;

/** A feature's values for a whole batch, typed as the model consumes them. */
export type FeatureColumn =
  | { type: 'float32'; values: Float32Array }
  | { type: 'float64'; values: Float64Array }
  | { type: 'int32'; values: Int32Array }
  | { type: 'int64'; values: BigInt64Array }
  | { type: 'bool'; values: Uint8Array }
  | { type: 'string'; values: string[] };

/** Validated records, one typed column per feature in the signature's order. */
export interface FeatureBatch {
  size: number;
  features: readonly FeatureSpec[];
  columns: FeatureColumn[];
}

export interface BatchLimits {
  /** Most records one request may carry. */
  maxRecords: number;
}

export const defaultBatchLimits: BatchLimits = { maxRecords: 10_000 };

const FLOAT32_MAX = 3.4028234663852886e38;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Checks records against a model's signature and packs them into typed columns. Every problem is
 * an INVALID_PARAMETER_VALUE naming the record index and the feature (`records[3].age`), so a
 * client's mistake is a 400 that says what to fix, never an inference failure.
 *
 * Rules: each record is an object with every non-optional feature and no unknown one (a record
 * lacking features names them all); floats are JSON numbers (`null`, or the string "NaN" as
 * metric values are written on the wire, means a missing value, allowed for optional and nullable
 * features, and reaches the model as NaN); integers must be whole and in range (int64 within
 * ±2^53, what a JSON number holds exactly); booleans are `true`/`false`; strings are strings, and
 * a missing one is "". Integer and boolean features have no missing value in ONNX, so they must
 * always be present.
 */
export function parseRecords(
  features: readonly FeatureSpec[],
  records: readonly unknown[],
  limits: BatchLimits = defaultBatchLimits,
): FeatureBatch {
  if (records.length === 0) throw invalidParameter('records', 'records is empty: send at least one record');
  if (records.length > limits.maxRecords) {
    throw invalidParameter(
      'records',
      `too many records: ${records.length}, at most ${limits.maxRecords} per request; split the batch`,
    );
  }
  const known = new Set(features.map((f) => f.name));
  const required = features.filter((f) => !f.optional).map((f) => f.name);
  const nullable = new Set(features.filter((f) => f.nullable).map((f) => f.name));
  const columns = features.map((f) => allocate(f.type, records.length));
  records.forEach((record, row) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw invalidParameter(
        `records[${row}]`,
        `record ${row} must be an object of feature name to value, got ${describe(record)}`,
      );
    }
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        throw invalidParameter(
          `records[${row}].${key}`,
          `record ${row}: unknown feature "${key}"; the model takes ${[...known].join(', ')}`,
        );
      }
    }
    // Own properties only: a feature named like an Object method must not read the method.
    const absent = required.filter(
      (name) => !Object.hasOwn(record, name) || (record as FeatureRecord)[name] === undefined,
    );
    if (absent.length > 0) {
      throw invalidParameter(
        `records[${row}].${absent[0]}`,
        `record ${row} lacks the required feature${absent.length > 1 ? 's' : ''} ` +
          `${absent.map((a) => `"${a}"`).join(', ')}; the model takes ${[...known].join(', ')}` +
          (absent.every((a) => nullable.has(a))
            ? '; send null where a value is unknown, the model imputes it'
            : ''),
      );
    }
    features.forEach((feature, i) => {
      // Own properties only: a feature named like an Object method must not read the method.
      const value = Object.hasOwn(record, feature.name) ? (record as FeatureRecord)[feature.name] : undefined;
      write(columns[i] as FeatureColumn, row, feature, value);
    });
  });
  return { size: records.length, features, columns };
}

function allocate(type: FeatureType, n: number): FeatureColumn {
  switch (type) {
    case 'float32':
      return { type, values: new Float32Array(n) };
    case 'float64':
      return { type, values: new Float64Array(n) };
    case 'int32':
      return { type, values: new Int32Array(n) };
    case 'int64':
      return { type, values: new BigInt64Array(n) };
    case 'bool':
      return { type, values: new Uint8Array(n) };
    case 'string':
      return { type, values: new Array<string>(n) };
  }
}

function write(column: FeatureColumn, row: number, feature: FeatureSpec, value: unknown): void {
  const field = `records[${row}].${feature.name}`;
  const fail = (problem: string) =>
    invalidParameter(field, `record ${row}: feature "${feature.name}" (${feature.type}) ${problem}`);
  const missing = value === undefined || value === null || (value === 'NaN' && isFloat(column));
  if (missing) {
    const what = value === undefined ? 'is missing' : value === null ? 'is null' : 'is NaN';
    if (!feature.optional && !feature.nullable) throw fail(`${what}, and the feature is required`);
    if (column.type === 'float32' || column.type === 'float64') column.values[row] = NaN;
    else if (column.type === 'string') column.values[row] = '';
    else throw fail(`${what}: ${column.type} features have no missing value, send one`);
    return;
  }
  switch (column.type) {
    case 'float32':
    case 'float64': {
      if (typeof value !== 'number') throw fail(`must be a number, got ${describe(value)}`);
      if (Number.isNaN(value)) {
        if (!feature.optional && !feature.nullable) throw fail('is NaN, and the feature is required');
      } else if (!Number.isFinite(value)) throw fail(`must be finite, got ${value}`);
      else if (column.type === 'float32' && Math.abs(value) > FLOAT32_MAX)
        throw fail(`is out of float32 range: ${value}`);
      column.values[row] = value;
      return;
    }
    case 'int32':
    case 'int64': {
      if (typeof value !== 'number') throw fail(`must be an integer, got ${describe(value)}`);
      if (!Number.isInteger(value)) throw fail(`must be an integer, got ${value}`);
      if (column.type === 'int32') {
        if (value < INT32_MIN || value > INT32_MAX) throw fail(`is out of int32 range: ${value}`);
        column.values[row] = value;
      } else {
        if (!Number.isSafeInteger(value)) throw fail(`must be within ±2^53 to be exact in JSON: ${value}`);
        column.values[row] = BigInt(value);
      }
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw fail(`must be true or false, got ${describe(value)}`);
      column.values[row] = value ? 1 : 0;
      return;
    case 'string':
      if (typeof value !== 'string') throw fail(`must be a string, got ${describe(value)}`);
      column.values[row] = value;
      return;
  }
}

function isFloat(column: FeatureColumn): boolean {
  return column.type === 'float32' || column.type === 'float64';
}

/** A short description of a wrong value for messages: its JSON type and, when small, the value. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
