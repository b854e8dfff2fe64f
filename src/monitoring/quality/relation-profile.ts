import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnKind } from '../drift/default-test.js';
import { quoteIdentifier } from '../../store/duckdb.js';
import type { ColumnProfile, ReferenceProfile } from './reference-profile.js';

/**
 * Categories kept per column. A reference with more (an id-like column) keeps the first ones, so
 * the unseen-category check may flag values that are merely rare there.
 */
const maxCategories = 10_000;

/**
 * The reference profile of columns of a DuckDB relation (a table, or a view over a file),
 * computed by DuckDB in one aggregate per column, so a large reference is never loaded into
 * JavaScript. Same meaning as `buildReferenceProfile`: NaN counts as missing for numbers.
 */
export async function profileRelation(
  connection: DuckDBConnection,
  relation: string,
  columns: ReadonlyMap<string, ColumnKind>,
): Promise<ReferenceProfile> {
  const profile: Record<string, ColumnProfile> = {};
  const from = quoteIdentifier(relation);
  for (const [name, kind] of columns) {
    const column = quoteIdentifier(name);
    if (kind === 'numeric') {
      const v = `TRY_CAST(${column} AS DOUBLE)`;
      const reader = await connection.runAndReadAll(
        `SELECT count(*)::DOUBLE, count(*) FILTER (WHERE ${v} IS NULL OR isnan(${v}))::DOUBLE, ` +
          `min(${v}) FILTER (WHERE NOT isnan(${v})), max(${v}) FILTER (WHERE NOT isnan(${v})) FROM ${from}`,
      );
      const [count, missing, min, max] = (reader.getRows()[0] ?? []).map((x) =>
        x === null ? null : Number(x),
      );
      profile[name] = {
        kind: 'numeric',
        count: count ?? 0,
        missingShare: count ? (missing ?? 0) / count : 0,
        min: min ?? Infinity,
        max: max ?? -Infinity,
      };
    } else {
      const counts = await connection.runAndReadAll(
        `SELECT count(*)::DOUBLE, count(*) FILTER (WHERE ${column} IS NULL)::DOUBLE FROM ${from}`,
      );
      const [count, missing] = (counts.getRows()[0] ?? []).map((x) => Number(x ?? 0));
      const distinct = await connection.runAndReadAll(
        `SELECT DISTINCT CAST(${column} AS VARCHAR) FROM ${from} WHERE ${column} IS NOT NULL LIMIT ${maxCategories}`,
      );
      profile[name] = {
        kind: 'categorical',
        count: count ?? 0,
        missingShare: count ? (missing ?? 0) / count : 0,
        categories: distinct
          .getRows()
          .map((r) => String(r[0]))
          .sort(),
      };
    }
  }
  return { columns: profile };
}
