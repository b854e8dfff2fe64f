import type { Json } from '@duckdb/node-api';
import { notOfTypeSql, typeMatches } from './column-types.js';
import { quoteIdentifier, quoteLiteral } from '../../store/duckdb.js';
import type { CheckResult } from './report.js';
import type { AllowedValue, ColumnCheck } from './suite.js';

/**
 * An assertion judged row by row: the rows where `offending` holds are counted in one shared scan
 * of the table (with `aggregates`, read in the same scan), and the first few are shown as examples.
 */
export interface RowAssertion {
  check: CheckResult['check'];
  expected: Json;
  offending: string;
  aggregates: Record<string, string>;
  judge(failing: number, rows: number, aggregates: Record<string, Json>): { passed: boolean; observed: Json };
}

/** The row-level assertions of one column check, on a column of the given DuckDB type. */
export function rowAssertions(check: ColumnCheck, index: number, duckDbType: string): RowAssertion[] {
  const column = quoteIdentifier(check.column);
  const ref = (kind: CheckResult['check']['kind'], what: string) => ({
    index,
    kind,
    column: check.column,
    label: `${check.column} ${what}`,
  });
  const assertions: RowAssertion[] = [];
  const countJudge = (failing: number) => ({ passed: failing === 0, observed: failing });
  if (check.type !== undefined) {
    const matches = typeMatches(check.type, duckDbType);
    // Data files are read with no BOOLEAN type (a yes/no label stays text), so a text column is
    // boolean when every present value reads as one: true/false, yes/no, Y/N, 1/0.
    const textBooleans = check.type === 'boolean' && duckDbType === 'VARCHAR';
    assertions.push({
      check: ref('type', 'type'),
      expected: check.type,
      // With a matching type every present value fits; otherwise show the values that do not.
      offending: matches ? 'false' : notOfTypeSql(check.type, column),
      aggregates: {},
      judge: (failing) => ({ passed: matches || (textBooleans && failing === 0), observed: duckDbType }),
    });
  }
  if (check.max_missing !== undefined) {
    const maxMissing = check.max_missing;
    assertions.push({
      check: ref('missing', maxMissing === 0 ? 'not null' : 'missing share'),
      expected: maxMissing === 0 ? 'no missing values' : { max_missing: maxMissing },
      offending: `${column} IS NULL`,
      aggregates: {},
      judge: (failing, rows) => {
        const share = rows === 0 ? 0 : failing / rows;
        return { passed: share <= maxMissing, observed: share };
      },
    });
  }
  if (check.range !== undefined) {
    const { min, max } = check.range;
    const value = `TRY_CAST(${column} AS DOUBLE)`;
    const outside = [`${value} IS NULL`];
    if (min !== undefined) outside.push(`${value} < ${min}`);
    if (max !== undefined) outside.push(`${value} > ${max}`);
    assertions.push({
      check: ref('range', 'range'),
      expected: { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) },
      // A present value that is not a number is outside any numeric range; NaN sorts above every number.
      offending: `${column} IS NOT NULL AND (${outside.join(' OR ')})`,
      aggregates: { min: `min(${value})`, max: `max(${value})` },
      judge: (failing, _rows, observed) => ({
        passed: failing === 0,
        observed: { min: observed.min ?? null, max: observed.max ?? null },
      }),
    });
  }
  if (check.allowed !== undefined) {
    assertions.push({
      check: ref('allowed', 'allowed values'),
      expected: check.allowed,
      offending: `${column} IS NOT NULL AND ${notInSetSql(column, check.allowed)}`,
      aggregates: {},
      judge: countJudge,
    });
  }
  if (check.regex !== undefined) {
    assertions.push({
      check: ref('regex', 'regex'),
      expected: check.regex,
      offending: `${column} IS NOT NULL AND NOT regexp_matches(CAST(${column} AS VARCHAR), ${quoteLiteral(check.regex)})`,
      aggregates: {},
      judge: countJudge,
    });
  }
  return assertions;
}

/** Numbers compare as numbers (1 and 1.0 are one value); anything else compares as text. */
function notInSetSql(column: string, allowed: AllowedValue[]): string {
  if (allowed.every((v) => typeof v === 'number')) {
    const value = `TRY_CAST(${column} AS DOUBLE)`;
    return `(${value} IS NULL OR ${value} NOT IN (${allowed.join(', ')}))`;
  }
  return `CAST(${column} AS VARCHAR) NOT IN (${allowed.map((v) => quoteLiteral(String(v))).join(', ')})`;
}
