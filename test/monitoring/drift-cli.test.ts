import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/monitoring/drift/index.js';
import { tempDir } from '../helpers/tmp.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (cwd: string, args: string[]) => runMloop(cwd, args, { home: join(cwd, '.mloop') });

describe('mloop drift', () => {
  const dir = tempDir();
  const reference = join(dir, 'reference.csv');
  const current = join(dir, 'current.parquet');

  beforeAll(async () => {
    // DuckDB writes the files: a CSV reference and a Parquet current with a shifted `amount`.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await DuckDBConnection.create(instance);
    const rows = (shift: number) =>
      `SELECT (i % 97) * 1.5 + ${shift} AS amount, CASE WHEN i % 3 = 0 THEN 'web' ELSE 'app' END AS channel ` +
      'FROM range(2000) t(i)';
    await connection.run(`COPY (${rows(0)}) TO '${reference}' (HEADER)`);
    await connection.run(`COPY (${rows(40)}) TO '${current}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
  });

  it('prints a table of tests and verdicts and writes the HTML report', async () => {
    const result = await mloop(dir, ['drift', reference, current, '--html', 'report.html']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/amount\s+numeric\s+wasserstein/);
    expect(result.stdout).toMatch(/channel\s+categorical\s+jensenshannon/);
    expect(result.stdout).toContain('1 of 2 columns drifted');
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<svg');
  });

  it('answers JSON with a chosen test and threshold, and fails on drift when asked', async () => {
    const result = await mloop(dir, [
      'drift',
      reference,
      current,
      '--columns',
      'amount',
      '--test',
      'psi',
      '--threshold',
      '0.2',
      '--json',
      '--fail-on-drift',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as DriftReport;
    expect(report.columns).toHaveLength(1);
    expect(report.columns[0]).toMatchObject({ name: 'amount', test: 'psi', threshold: 0.2, drifted: true });
    expect(report.datasetDrift).toBe(true);
  });

  it('rejects an unknown test with a usage error', async () => {
    const result = await mloop(dir, ['drift', reference, current, '--test', 'magic']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--test must be one of/);
  });
});
