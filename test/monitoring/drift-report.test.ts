import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopError } from '../../src/core/errors.js';
import { computeDriftReport, type DriftReport } from '../../src/monitoring/drift/index.js';
import { tempDir } from '../helpers/tmp.js';
import { categorySample, normalSample, seededRandom } from './drift-samples.js';

function column(report: DriftReport, name: string) {
  const found = report.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name} in the report`);
  return found;
}

function sides(rows: number, seed: number) {
  const r = seededRandom(seed);
  return {
    reference: {
      stable: normalSample(r, rows),
      shifted: normalSample(r, rows),
      colour: categorySample(r, rows, ['red', 'green', 'blue'], [1, 1, 1]),
      flag: categorySample(r, rows, ['no', 'yes'], [1, 1]),
    },
    current: {
      stable: normalSample(r, rows),
      shifted: normalSample(r, rows, 0.8),
      colour: categorySample(r, rows, ['red', 'green', 'blue'], [4, 1, 1]),
      flag: categorySample(r, rows, ['no', 'yes'], [1, 1]),
    },
  };
}

describe('computeDriftReport on in-memory columns', () => {
  it('picks KS, chi-square and the Z-test for a small reference, like Evidently', async () => {
    const { reference, current } = sides(500, 1);
    const report = await computeDriftReport({
      reference: { columns: reference },
      current: { columns: current },
    });
    expect(column(report, 'stable')).toMatchObject({
      type: 'numeric',
      test: 'ks',
      threshold: 0.05,
      drifted: false,
    });
    expect(column(report, 'shifted')).toMatchObject({ test: 'ks', drifted: true });
    expect(column(report, 'colour')).toMatchObject({ type: 'categorical', test: 'chisquare', drifted: true });
    expect(column(report, 'flag')).toMatchObject({ test: 'z', drifted: false });
    expect(column(report, 'shifted').pValue).toBeLessThan(1e-10);
    expect(report).toMatchObject({ driftedColumns: 2, driftedShare: 0.5, datasetDrift: true });
  });

  it('picks normed Wasserstein and Jensen-Shannon above 1000 reference rows', async () => {
    const { reference, current } = sides(3000, 2);
    const report = await computeDriftReport({
      reference: { columns: reference },
      current: { columns: current },
    });
    expect(column(report, 'stable')).toMatchObject({ test: 'wasserstein', threshold: 0.1, drifted: false });
    expect(column(report, 'shifted')).toMatchObject({ test: 'wasserstein', drifted: true });
    expect(column(report, 'colour')).toMatchObject({ test: 'jensenshannon', drifted: true });
    expect(column(report, 'flag').pValue).toBeUndefined();
  });

  it('honours a test and threshold per column and the dataset drift share', async () => {
    const { reference, current } = sides(400, 3);
    const report = await computeDriftReport({
      reference: { columns: reference },
      current: { columns: current },
      columns: ['stable', { name: 'shifted', test: 'psi', threshold: 5 }, { name: 'colour', test: 'psi' }],
      options: { driftShare: 0.3 },
    });
    expect(report.columns.map((c) => c.name)).toEqual(['stable', 'shifted', 'colour']);
    expect(column(report, 'shifted')).toMatchObject({ test: 'psi', threshold: 5, drifted: false });
    expect(column(report, 'colour')).toMatchObject({ test: 'psi', threshold: 0.1, drifted: true });
    expect(report).toMatchObject({ driftedColumns: 1, driftShareThreshold: 0.3, datasetDrift: true });
  });

  it('treats a low-cardinality numeric column as categories (at most 5 values)', async () => {
    const reference = { level: Float64Array.from({ length: 300 }, (_, i) => i % 4) };
    const current = { level: Float64Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 0 : i % 4)) };
    const report = await computeDriftReport({
      reference: { columns: reference },
      current: { columns: current },
    });
    expect(column(report, 'level')).toMatchObject({ type: 'numeric', test: 'chisquare' });
  });

  it('drops missing values and reports a side without values instead of failing', async () => {
    const report = await computeDriftReport({
      reference: { columns: { x: [1, 2, null, 3, NaN, 4], c: ['a', null, 'b'] } },
      current: { columns: { x: [null, null], c: ['a', 'b', 'b'] } },
    });
    expect(column(report, 'x')).toMatchObject({ referenceCount: 4, currentCount: 0, drifted: false });
    expect(column(report, 'x').note).toMatch(/no values in the current data/);
    expect(column(report, 'c')).toMatchObject({ referenceCount: 2, currentCount: 3 });
  });

  it('rejects a test that does not fit the column and a column that is missing', async () => {
    const source = { columns: { c: ['a', 'b'] } };
    await expect(
      computeDriftReport({ reference: source, current: source, columns: [{ name: 'c', test: 'ks' }] }),
    ).rejects.toThrow(MloopError);
    await expect(
      computeDriftReport({ reference: source, current: source, columns: ['nope'] }),
    ).rejects.toThrow(/missing/);
  });
});

describe('computeDriftReport on DuckDB sources', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  const { reference, current } = sides(2000, 4);
  let files: { reference: string; current: string };

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await DuckDBConnection.create(instance);
    const dir = tempDir();
    files = { reference: join(dir, 'reference.parquet'), current: join(dir, 'current.parquet') };
    for (const [name, data] of [
      ['reference', reference],
      ['current', current],
    ] as const) {
      await connection.run(
        `CREATE TABLE ${name} (stable DOUBLE, shifted DOUBLE, colour VARCHAR, flag VARCHAR)`,
      );
      const appender = await connection.createAppender(name);
      for (let i = 0; i < data.stable.length; i++) {
        appender.appendDouble(data.stable[i]!);
        appender.appendDouble(data.shifted[i]!);
        appender.appendVarchar(data.colour[i]!);
        appender.appendVarchar(data.flag[i]!);
        appender.endRow();
      }
      appender.closeSync();
      await connection.run(`COPY ${name} TO '${files[name]}' (FORMAT parquet)`);
    }
  });

  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('reads Parquet files and gives the same report as the same data in memory', async () => {
    const fromFiles = await computeDriftReport({
      reference: { file: files.reference },
      current: { file: files.current },
    });
    const inMemory = await computeDriftReport({
      reference: { columns: reference },
      current: { columns: current },
    });
    expect(fromFiles).toEqual(inMemory);
  });

  it('reads tables and queries of a given connection', async () => {
    const report = await computeDriftReport({
      reference: { table: 'reference' },
      current: { sql: "SELECT * FROM current WHERE colour <> 'red'" },
      columns: ['colour', 'stable'],
      options: { connection },
    });
    expect(column(report, 'colour')).toMatchObject({ currentCount: expect.any(Number), drifted: true });
    expect(column(report, 'colour').currentHistogram).toMatchObject({ kind: 'categories' });
    expect(column(report, 'stable').referenceHistogram.kind).toBe('bins');
  });
});
