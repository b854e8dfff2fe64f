import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/data/validation/report.js';
import { summarizeReport } from '../../src/data/validation/report.js';
import { runSuite } from '../../src/data/validation/run-suite.js';
import { parseSuite } from '../../src/data/validation/suite.js';
import { driftDistributionTest } from '../../src/monitoring/drift/distribution-test.js';
import { tempDir } from '../helpers/tmp.js';
import { customersSql, duckDbCopy, writeCsv } from './validation-files.js';

const dir = tempDir('mloop-validation-');

async function check(file: string, checks: unknown[]): Promise<CheckResult[]> {
  const report = await runSuite({ file }, parseSuite({ checks }), {
    distributionTest: driftDistributionTest,
    resolveReference: async (ref) => ({ file: join(dir, ref) }),
  });
  return report.checks;
}

describe('validation checks on a CSV file', () => {
  let people: string;
  beforeAll(() => {
    people = writeCsv(dir, 'people.csv', [
      { id: 1, age: 34, country: 'US', email: 'a@x.org', joined: '2024-01-02' },
      { id: 2, age: 130, country: 'FR', email: 'b@x.org', joined: '2024-02-03' },
      { id: 3, age: null, country: 'UK', email: 'not-an-email', joined: '2024-03-04' },
      { id: 3, age: 41, country: 'DE', email: 'd@x.org', joined: '2024-04-05' },
      { id: 5, age: -2, country: 'US', email: null, joined: '2024-05-06' },
    ]);
  });

  it('passes type checks that match and shows the values of a mistyped column', async () => {
    const mixed = writeCsv(dir, 'mixed.csv', [{ n: 1 }, { n: 2 }, { n: 'n/a' }, { n: 4 }]);
    const [age, joined, email] = await check(people, [
      { column: 'age', type: 'integer' },
      { column: 'joined', type: 'date' },
      { column: 'email', type: 'number' },
    ]);
    expect(age).toMatchObject({ passed: true, observed: 'BIGINT' });
    expect(joined).toMatchObject({ passed: true, observed: 'DATE' });
    expect(email).toMatchObject({ passed: false, observed: 'VARCHAR', failing_rows_count: 4 });
    expect(email!.examples[0]).toEqual({ row: 1, value: 'a@x.org' });
    const [n] = await check(mixed, [{ column: 'n', type: 'integer' }]);
    expect(n).toMatchObject({ passed: false, failing_rows_count: 1, examples: [{ row: 3, value: 'n/a' }] });
  });

  it('judges missing values against a share and not_null', async () => {
    const [lenient, strict] = await check(people, [
      { column: 'age', max_missing: 0.2 },
      { column: 'age', not_null: true },
    ]);
    expect(lenient).toMatchObject({ passed: true, observed: 0.2, failing_rows_count: 1, examples: [] });
    expect(strict).toMatchObject({ passed: false, observed: 0.2, examples: [{ row: 3, value: null }] });
    expect(strict!.check.label).toBe('age not null');
  });

  it('reports values outside a range with their rows', async () => {
    const [wide, narrow] = await check(people, [
      { column: 'age', range: { min: -10, max: 200 } },
      { column: 'age', range: { min: 0, max: 120 } },
    ]);
    expect(wide).toMatchObject({ passed: true, observed: { min: -2, max: 130 } });
    expect(narrow).toMatchObject({
      passed: false,
      failing_rows_count: 2,
      examples: [
        { row: 2, value: 130 },
        { row: 5, value: -2 },
      ],
    });
  });

  it('reports values outside an allowed set, as text or as numbers', async () => {
    const [countries, more, ages] = await check(people, [
      { column: 'country', allowed: ['US', 'FR', 'DE'] },
      { column: 'country', allowed: ['US', 'FR', 'DE', 'UK'] },
      { column: 'id', allowed: [1, 2, 3, 5.0] },
    ]);
    expect(countries).toMatchObject({
      passed: false,
      failing_rows_count: 1,
      examples: [{ row: 3, value: 'UK' }],
    });
    expect(more!.passed).toBe(true);
    expect(ages!.passed).toBe(true);
  });

  it('reports values that do not match a regex', async () => {
    const [email, loose] = await check(people, [
      { column: 'email', regex: '^[^@]+@[^@]+$' },
      { column: 'email', regex: '.' },
    ]);
    expect(email).toMatchObject({
      passed: false,
      failing_rows_count: 1,
      examples: [{ row: 3, value: 'not-an-email' }],
    });
    expect(loose!.passed).toBe(true);
  });

  it('reports every row holding a duplicated value', async () => {
    const [id, email] = await check(people, [
      { column: 'id', unique: true },
      { column: 'email', unique: true },
    ]);
    expect(id).toMatchObject({
      passed: false,
      observed: { duplicated_values: 1 },
      failing_rows_count: 2,
      examples: [
        { row: 3, value: 3 },
        { row: 4, value: 3 },
      ],
    });
    expect(email!.passed).toBe(true);
  });

  it('bounds the row count', async () => {
    const [within, tooFew] = await check(people, [{ rows: { min: 1, max: 5 } }, { rows: { min: 6 } }]);
    expect(within).toMatchObject({ passed: true, observed: 5 });
    expect(tooFew).toMatchObject({ passed: false, observed: 5, expected: { min: 6 } });
  });

  it('fails a check on a column the data does not have, naming the columns it has', async () => {
    const [result] = await check(people, [{ column: 'salary', range: { min: 0 } }]);
    expect(result).toMatchObject({ passed: false, check: { kind: 'exists', label: 'salary exists' } });
    expect(result!.note).toContain('id, age, country, email, joined');
  });

  it('compares a distribution with a reference file through the drift tests', async () => {
    await duckDbCopy(`COPY (${customersSql()}) TO '${join(dir, 'reference.parquet')}' (FORMAT parquet)`);
    await duckDbCopy(`COPY (${customersSql()}) TO '${join(dir, 'same.csv')}' (HEADER)`);
    await duckDbCopy(
      `COPY (${customersSql({ incomeShift: 15000 })}) TO '${join(dir, 'shifted.csv')}' (HEADER)`,
    );
    const distribution = { reference: 'reference.parquet', test: 'ks', threshold: 0.05 };
    const [same] = await check(join(dir, 'same.csv'), [{ column: 'income', distribution }]);
    const [shifted] = await check(join(dir, 'shifted.csv'), [{ column: 'income', distribution }]);
    expect(same).toMatchObject({ passed: true, observed: { test: 'ks', statistic: 0, p_value: 1 } });
    expect(shifted!.passed).toBe(false);
    expect((shifted!.observed as { p_value: number }).p_value).toBeLessThan(0.05);
    const [psi] = await check(join(dir, 'shifted.csv'), [
      { column: 'income', distribution: { reference: 'reference.parquet', test: 'psi' } },
    ]);
    expect(psi).toMatchObject({ passed: false, expected: { test: 'psi', threshold: 0.1 } });
  });

  it('summarizes failed checks by label', async () => {
    const report = await runSuite(
      { file: people },
      parseSuite({
        checks: [
          { column: 'age', range: { min: 0, max: 120 } },
          { column: 'email', regex: '@' },
          { rows: { min: 1 } },
        ],
      }),
    );
    expect(report.passed).toBe(false);
    expect(report.rows).toBe(5);
    expect(summarizeReport(report)).toBe('2 of 3 checks failed (age range, email regex)');
  });
});
