import { DuckDBDecimalValue, type DuckDBDataChunk, type DuckDBValue } from '@duckdb/node-api';
import { invalidParameter, isMloopError } from '../../core/errors.js';
import type { FeatureSpec } from '../../registry/model-metadata.js';
import { csvCellValue } from '../csv-cell.js';
import { parseRecords, type FeatureBatch, type FeatureRecord } from '../feature-batch.js';

/** Where each feature sits among the columns read from the input (absent optional ones are not). */
export interface FeaturePositions {
  features: readonly FeatureSpec[];
  /** Feature name → column index in the streamed chunks. */
  columnOf: ReadonlyMap<string, number>;
  /**
   * Columns DuckDB read from a JSON file as JSON text, because their values have more than one
   * type: each value is parsed back, so a wrong one is named by its own row.
   */
  jsonColumns: ReadonlySet<number>;
}

/**
 * Turns streamed DuckDB chunks into records and validates them with the same rules as online
 * serving (`parseRecords`), so a file and a request are held to one signature. A problem names the
 * row of the file (1-based, header not counted) and the column, instead of an index in the chunk.
 */
export function parseChunks(
  chunks: readonly DuckDBDataChunk[],
  positions: FeaturePositions,
  firstRow: number,
  fileName: string,
  /**
   * The file is CSV: DuckDB reads a column whose cells it cannot all type as text, so numbers
   * and booleans may arrive as strings and are read back as such.
   */
  fromText: boolean,
): FeatureBatch {
  const types = new Map(positions.features.map((f) => [f.name, f.type]));
  const records: FeatureRecord[] = [];
  for (const chunk of chunks) {
    const start = records.length;
    for (let r = 0; r < chunk.rowCount; r++) records.push({});
    for (const [name, column] of positions.columnOf) {
      const values = chunk.getColumnValues(column);
      const type = types.get(name);
      const json = positions.jsonColumns.has(column);
      for (let r = 0; r < values.length; r++) {
        const value = featureValue(values[r] ?? null);
        (records[start + r] as FeatureRecord)[name] =
          typeof value !== 'string'
            ? value
            : json
              ? parseJson(value)
              : fromText
                ? csvCellValue(value, type)
                : value;
      }
    }
  }
  try {
    return parseRecords(positions.features, records, { maxRecords: records.length });
  } catch (error) {
    throw inFile(error, firstRow, fileName);
  }
}

/**
 * A DuckDB value as a JSON client would have sent it: BIGINT and DECIMAL become numbers (an
 * integer beyond ±2^53 then fails the int64 check by name rather than being rounded in silence).
 */
function featureValue(value: DuckDBValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const recordField = /^records\[(\d+)\]\.(.+)$/;

function inFile(error: unknown, firstRow: number, fileName: string): unknown {
  if (!isMloopError(error)) return error;
  const match = recordField.exec(error.field ?? '');
  if (!match) return error;
  const row = firstRow + Number(match[1]);
  const column = match[2] as string;
  const problem = error.message.replace(/^record \d+: /, '');
  return invalidParameter(
    'input',
    `row ${row} of ${fileName}, column "${column}": ${problem}; nothing was written`,
  );
}
