import type { DuckDBConnection } from '@duckdb/node-api';
import { Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import { inferColumnType, isNumericType } from './column-types.js';
import { quoteIdentifier, withDuckDb } from '../../store/duckdb.js';
import { loadRelation, type DataRelation } from './duckdb-sql.js';
import type { ColumnCheck, Suite, SuiteCheck } from './suite.js';

/** Columns with at most this many distinct text values get an allowed set. */
const MAX_ALLOWED_VALUES = 20;
const TABLE = 'profiled';

export interface InferSuiteOptions {
  /** Adds a distribution check per numeric column against this reference (a `NAME/VERSION`). */
  distributionReference?: string;
}

interface ColumnStats {
  present: number;
  distinct: number;
  min: number | null;
  max: number | null;
}

/**
 * Proposes a starting suite from data that is taken to be good: each column's type, its observed
 * missing share rounded up to the next percent (`not_null` when none is missing), its range, an
 * allowed set for text with few values, uniqueness for whole-number and text columns without
 * repeats, and row bounds of half to twice the observed count. A person edits it before relying on it.
 */
export async function inferSuite(data: DataRelation, options: InferSuiteOptions = {}): Promise<Suite> {
  return withDuckDb(async (connection) => {
    const table = await loadRelation(connection, data, TABLE);
    const columns = [...table.columns.entries()];
    const select = ['count(*)::DOUBLE AS "rows"'];
    columns.forEach(([name, type], i) => {
      const column = quoteIdentifier(name);
      select.push(`count(${column})::DOUBLE AS "p${i}"`, `count(DISTINCT ${column})::DOUBLE AS "d${i}"`);
      if (isNumericType(type))
        select.push(`min(${column})::DOUBLE AS "min${i}"`, `max(${column})::DOUBLE AS "max${i}"`);
    });
    const reader = await connection.runAndReadAll(`SELECT ${select.join(', ')} FROM ${TABLE}`);
    const totals = reader.getRowObjectsJson()[0] ?? {};
    const rows = Number(totals.rows ?? 0);
    const checks: SuiteCheck[] = [];
    for (const [i, [name, duckDbType]] of columns.entries()) {
      const stats: ColumnStats = {
        present: Number(totals[`p${i}`] ?? 0),
        distinct: Number(totals[`d${i}`] ?? 0),
        min: numberOrNull(totals[`min${i}`]),
        max: numberOrNull(totals[`max${i}`]),
      };
      const check = columnCheck(name, duckDbType, stats, rows, options);
      if (check.allowed) check.allowed = await distinctValues(connection, name);
      checks.push(check);
    }
    checks.push({ rows: { min: Math.max(1, Math.floor(rows / 2)), max: Math.max(1, rows * 2) } });
    return { checks };
  });
}

function columnCheck(
  name: string,
  duckDbType: string,
  stats: ColumnStats,
  rows: number,
  options: InferSuiteOptions,
): ColumnCheck {
  const type = inferColumnType(duckDbType);
  const check: ColumnCheck = { column: name, type };
  const missingShare = rows === 0 ? 0 : (rows - stats.present) / rows;
  // Rounded up so the data the suite was inferred from passes it.
  check.max_missing = Math.min(1, Math.ceil(missingShare * 100) / 100);
  if (isNumericType(duckDbType) && stats.min !== null && stats.max !== null) {
    check.range = { min: stats.min, max: stats.max };
  }
  const unique = stats.present > 1 && stats.distinct === stats.present;
  // Repeat-free measurements (incomes, scores) are unique by chance; ids are whole numbers or text.
  if (unique && (type === 'integer' || type === 'string')) check.unique = true;
  if (type === 'string' && !unique && stats.distinct > 0 && stats.distinct <= MAX_ALLOWED_VALUES)
    check.allowed = [];
  if (options.distributionReference && isNumericType(duckDbType) && !check.unique) {
    check.distribution = { reference: options.distributionReference };
  }
  return check;
}

async function distinctValues(connection: DuckDBConnection, name: string): Promise<string[]> {
  const column = quoteIdentifier(name);
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT CAST(${column} AS VARCHAR) AS v FROM ${TABLE} WHERE ${column} IS NOT NULL ORDER BY 1`,
  );
  return reader.getRowObjectsJson().map((r) => String(r.v));
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The suite as a YAML file people edit: `not_null: true` where nothing may be missing, a header saying where it came from. */
export function suiteToYaml(suite: Suite, origin: string): string {
  const checks = suite.checks.map((check) => {
    if ('rows' in check || check.max_missing !== 0) return check;
    const { column, type, max_missing: _zero, ...rest } = check;
    return { column, ...(type ? { type } : {}), not_null: true, ...rest };
  });
  const document = new Document({ checks });
  // Bounds, sets and distribution settings read best on one line: `range: {min: 0, max: 120}`.
  visit(document, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      if (!['range', 'rows', 'allowed', 'distribution'].includes(String(pair.key.value))) return;
      if (isMap(pair.value) || isSeq(pair.value)) pair.value.flow = true;
    },
  });
  const header = `# Suggested from ${origin}: a starting point, edit it before relying on it.\n`;
  return header + document.toString({ flowCollectionPadding: false });
}
