import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import type { ValidationReport } from '../../src/data/validation/report.js';
import { openPlatform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { customersSql, duckDbCopy } from './validation-files.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (cwd: string, args: string[]) => runMloop(cwd, args, { home: join(cwd, '.mloop') });

describe('mloop data validate and suggest', () => {
  const dir = tempDir('mloop-validation-cli-');

  beforeAll(async () => {
    // Two versions in the embedded store of `dir`: 1 is good, 2 has an age of 150 on row 4.
    const good = join(dir, 'customers.csv');
    const bad = join(dir, 'customers-bad.csv');
    await duckDbCopy(`COPY (${customersSql()}) TO '${good}' (HEADER)`);
    await duckDbCopy(
      `COPY (SELECT id, CASE WHEN id = 4 THEN 150 ELSE age END AS age, country, email, income FROM (${customersSql()})) TO '${bad}' (HEADER)`,
    );
    const platform = await openPlatform(loadConfig({}, {}, dir));
    await platform.data.datasets.add('customers', good);
    await platform.data.datasets.add('customers', bad);
    await platform.close();
  });

  it('suggests a suite from a version that passes on it and fails on the next version, exit code 1', async () => {
    const suggested = await mloop(dir, ['data', 'suggest', 'customers/1', '--distribution']);
    expect(suggested.stderr).toBe('');
    expect(suggested.code).toBe(0);
    expect(suggested.stdout).toContain('range: {min: 18, max: 77}');
    writeFileSync(join(dir, 'suite.yaml'), suggested.stdout);

    const passed = await mloop(dir, ['data', 'validate', 'customers/1', '--suite', 'suite.yaml']);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/customers\/1 \(200 rows\): all \d+ checks passed/);

    const failed = await mloop(dir, ['data', 'validate', 'customers/2', '--suite', 'suite.yaml']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/age range\s+FAIL\s+min: 18, max: 150\s+min: 18, max: 77\s+1/);
    expect(failed.stdout).toContain('age range: row 4: 150');

    const listed = await mloop(dir, ['data', 'validations', 'customers/2', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ dataset: 'customers', version: 2, passed: false }]);
  });

  it('validates a plain file as JSON, and names the check of a bad suite with exit code 3', async () => {
    writeFileSync(join(dir, 'small.yaml'), 'checks:\n  - column: age\n    range: {min: 0, max: 120}\n');
    const json = await mloop(dir, [
      'data',
      'validate',
      '--file',
      'customers-bad.csv',
      '--suite',
      'small.yaml',
      '--json',
    ]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as ValidationReport;
    expect(report.checks[0]).toMatchObject({ passed: false, examples: [{ row: 4, value: 150 }] });

    writeFileSync(join(dir, 'bad.yaml'), 'checks:\n  - rows: {min: 1}\n  - column: age\n    type: int\n');
    const bad = await mloop(dir, ['data', 'validate', 'customers/1', '--suite', 'bad.yaml']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('bad.yaml: checks[1] (column "age"): type must be one of');
  });
});
