import type { DuckDBConnection, Json } from '@duckdb/node-api';
import { invalidParameter } from '../../core/errors.js';
import { isIntegerType } from './column-types.js';
import type { DistributionTest } from './distribution-test.js';
import { quoteIdentifier, quoteLiteral, withDuckDb } from '../../store/duckdb.js';
import { loadRelation, type DataRelation, type LoadedTable } from './duckdb-sql.js';
import type { CheckResult, OffendingExample, ValidationReport } from './report.js';
import { rowAssertions, type RowAssertion } from './row-assertions.js';
import { isRowCountCheck, suiteDigest, type ColumnCheck, type Suite } from './suite.js';

const EXAMPLES = 5;
const TABLE = 'validated';

export interface RunSuiteOptions {
  /** Judges distribution checks; needed only when the suite has one. */
  distributionTest?: DistributionTest;
  /** The data of a distribution check's `reference` (a dataset version or a file); default: the file it names. */
  resolveReference?: (reference: string) => Promise<DataRelation>;
}

/**
 * Runs every check of a suite on data DuckDB can read and reports each one's verdict with
 * up to five offending rows. Row-level assertions share one scan; uniqueness, row counts and
 * distributions take one query each.
 */
export async function runSuite(
  data: DataRelation,
  suite: Suite,
  options: RunSuiteOptions = {},
): Promise<ValidationReport> {
  return withDuckDb(async (connection) => {
    const table = await loadRelation(connection, data, TABLE);
    await checkRegexes(connection, suite);
    const slots: (CheckResult | Promise<CheckResult> | undefined)[] = [];
    const pending: { slot: number; assertion: RowAssertion; duckDbType: string }[] = [];
    const rowCounts: { slot: number; index: number; bounds: { min?: number; max?: number } }[] = [];
    for (const [index, check] of suite.checks.entries()) {
      if (isRowCountCheck(check)) {
        rowCounts.push({ slot: slots.length, index, bounds: check.rows });
        slots.push(undefined); // filled once the shared scan has counted the rows
        continue;
      }
      const duckDbType = table.columns.get(check.column);
      if (duckDbType === undefined) {
        slots.push(missingColumn(check, index, table));
        continue;
      }
      const assertions = rowAssertions(check, index, duckDbType);
      for (const assertion of assertions) {
        pending.push({ slot: slots.length, assertion, duckDbType });
        slots.push(undefined);
      }
      if (check.unique) slots.push(uniqueCheck(connection, check, index, duckDbType));
      if (check.distribution) slots.push(distributionCheck(data, check, index, options));
      if (assertions.length === 0 && !check.unique && !check.distribution) {
        slots.push(exists(check, index, true));
      }
    }
    const { rows, results } = await runRowAssertions(connection, pending);
    for (const [i, result] of results.entries()) slots[pending[i]!.slot] = result;
    for (const { slot, index, bounds } of rowCounts) slots[slot] = rowCountCheck(bounds, index, rows);
    const checks = await Promise.all(slots.map((s) => s!));
    return { passed: checks.every((c) => c.passed), suite_digest: suiteDigest(suite), rows, checks };
  });
}

/** JavaScript accepted each regex when the suite was parsed; DuckDB's RE2 is stricter (no lookaround). */
async function checkRegexes(connection: DuckDBConnection, suite: Suite): Promise<void> {
  for (const [index, check] of suite.checks.entries()) {
    if (isRowCountCheck(check) || check.regex === undefined) continue;
    try {
      await connection.run(`SELECT regexp_matches('', ${quoteLiteral(check.regex)})`);
    } catch (error) {
      throw invalidParameter(
        `checks[${index}].regex`,
        `checks[${index}] (column "${check.column}"): regex is not supported (RE2 syntax, no lookaround or backreferences): ${(error as Error).message}`,
      );
    }
  }
}

async function runRowAssertions(
  connection: DuckDBConnection,
  pending: { assertion: RowAssertion; duckDbType: string }[],
): Promise<{ rows: number; results: CheckResult[] }> {
  const select = ['count(*)::DOUBLE AS "rows"'];
  pending.forEach(({ assertion }, i) => {
    select.push(`count_if(${assertion.offending})::DOUBLE AS "f${i}"`);
    for (const [name, sql] of Object.entries(assertion.aggregates)) select.push(`${sql} AS "a${i}_${name}"`);
  });
  const reader = await connection.runAndReadAll(`SELECT ${select.join(', ')} FROM ${TABLE}`);
  const totals = reader.getRowObjectsJson()[0] ?? {};
  const rows = Number(totals.rows ?? 0);
  const results: CheckResult[] = [];
  for (const [i, { assertion, duckDbType }] of pending.entries()) {
    const failing = Number(totals[`f${i}`] ?? 0);
    const aggregates: Record<string, Json> = {};
    for (const name of Object.keys(assertion.aggregates)) aggregates[name] = totals[`a${i}_${name}`] ?? null;
    const { passed, observed } = assertion.judge(failing, rows, aggregates);
    const examples =
      passed || failing === 0
        ? []
        : await offendingRows(connection, assertion.check.column!, duckDbType, assertion.offending);
    results.push({
      check: assertion.check,
      passed,
      observed,
      expected: assertion.expected,
      failing_rows_count: failing,
      examples,
    });
  }
  return { rows, results };
}

async function offendingRows(
  connection: DuckDBConnection,
  column: string,
  duckDbType: string,
  where: string,
): Promise<OffendingExample[]> {
  const reader = await connection.runAndReadAll(
    `SELECT rowid + 1 AS "row", ${quoteIdentifier(column)} AS "value" FROM ${TABLE} WHERE ${where} ORDER BY rowid LIMIT ${EXAMPLES}`,
  );
  return reader
    .getRowObjectsJson()
    .map((r) => ({ row: Number(r.row), value: exampleValue(r.value ?? null, duckDbType) }));
}

/** DuckDB's JSON form spells 64-bit integers as text; show them as numbers when that is exact. */
function exampleValue(value: Json, duckDbType: string): Json {
  if (typeof value === 'string' && isIntegerType(duckDbType)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  return value;
}

async function uniqueCheck(
  connection: DuckDBConnection,
  check: ColumnCheck,
  index: number,
  duckDbType: string,
): Promise<CheckResult> {
  const column = quoteIdentifier(check.column);
  const duplicated = `SELECT ${column} FROM ${TABLE} WHERE ${column} IS NOT NULL GROUP BY 1 HAVING count(*) > 1`;
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::DOUBLE AS "values", coalesce(sum(n), 0)::DOUBLE AS "rows" FROM (SELECT count(*) AS n FROM ${TABLE} WHERE ${column} IS NOT NULL GROUP BY ${column} HAVING count(*) > 1)`,
  );
  const totals = reader.getRowObjectsJson()[0] ?? {};
  const duplicatedValues = Number(totals.values ?? 0);
  const failing = Number(totals.rows ?? 0);
  const examples =
    failing === 0
      ? []
      : await offendingRows(connection, check.column, duckDbType, `${column} IN (${duplicated})`);
  return {
    check: { index, kind: 'unique', column: check.column, label: `${check.column} unique` },
    passed: failing === 0,
    observed: { duplicated_values: duplicatedValues },
    expected: 'every present value once',
    failing_rows_count: failing,
    examples,
  };
}

async function distributionCheck(
  data: DataRelation,
  check: ColumnCheck,
  index: number,
  options: RunSuiteOptions,
): Promise<CheckResult> {
  const expectation = check.distribution!;
  const field = `checks[${index}].distribution`;
  if (!options.distributionTest) {
    throw invalidParameter(
      field,
      `checks[${index}]: distribution checks need a distribution test, and none is configured`,
    );
  }
  const referenceData = options.resolveReference
    ? await options.resolveReference(expectation.reference)
    : { file: expectation.reference };
  const comparison = await options.distributionTest.compare({
    reference: { data: referenceData, column: check.column },
    current: { data, column: check.column },
    ...(expectation.test ? { test: expectation.test } : {}),
    ...(expectation.threshold !== undefined ? { threshold: expectation.threshold } : {}),
  });
  return {
    check: { index, kind: 'distribution', column: check.column, label: `${check.column} distribution` },
    passed: !comparison.drifted && comparison.note === undefined,
    observed: {
      test: comparison.test,
      statistic: finiteOrNull(comparison.statistic),
      ...(comparison.pValue !== undefined ? { p_value: finiteOrNull(comparison.pValue) } : {}),
    },
    expected: { reference: expectation.reference, test: comparison.test, threshold: comparison.threshold },
    failing_rows_count: 0,
    examples: [],
    ...(comparison.note !== undefined ? { note: comparison.note } : {}),
  };
}

function rowCountCheck(bounds: { min?: number; max?: number }, index: number, rows: number): CheckResult {
  const passed =
    (bounds.min === undefined || rows >= bounds.min) && (bounds.max === undefined || rows <= bounds.max);
  return {
    check: { index, kind: 'rows', label: 'rows' },
    passed,
    observed: rows,
    expected: { ...bounds },
    failing_rows_count: 0,
    examples: [],
  };
}

function missingColumn(check: ColumnCheck, index: number, table: LoadedTable): CheckResult {
  const known = [...table.columns.keys()];
  return {
    ...exists(check, index, false),
    note: `no column "${check.column}"; the data has ${known.length > 10 ? `${known.slice(0, 10).join(', ')}, …` : known.join(', ')}`,
  };
}

function exists(check: ColumnCheck, index: number, passed: boolean): CheckResult {
  return {
    check: { index, kind: 'exists', column: check.column, label: `${check.column} exists` },
    passed,
    observed: passed,
    expected: true,
    failing_rows_count: 0,
    examples: [],
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
