import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferSuite, suiteToYaml } from '../../src/data/validation/infer-suite.js';
import { runSuite } from '../../src/data/validation/run-suite.js';
import { parseSuiteText } from '../../src/data/validation/suite.js';
import { driftDistributionTest } from '../../src/monitoring/drift/distribution-test.js';
import { tempDir } from '../helpers/tmp.js';
import { customersSql, duckDbCopy } from './validation-files.js';

describe('suite inference', () => {
  const dir = tempDir('mloop-infer-');

  it('proposes types, missing shares, ranges, allowed sets, uniqueness and row bounds', async () => {
    const file = join(dir, 'customers.parquet');
    await duckDbCopy(
      `COPY (SELECT *, CASE WHEN id % 10 = 0 THEN NULL ELSE age END AS age_sparse FROM (${customersSql()})) TO '${file}' (FORMAT parquet)`,
    );
    const suite = await inferSuite({ file });
    expect(suite.checks).toEqual([
      { column: 'id', type: 'integer', max_missing: 0, range: { min: 1, max: 200 }, unique: true },
      { column: 'age', type: 'integer', max_missing: 0, range: { min: 18, max: 77 } },
      { column: 'country', type: 'string', max_missing: 0, allowed: ['DE', 'FR', 'US'] },
      { column: 'email', type: 'string', max_missing: 0, unique: true },
      { column: 'income', type: 'integer', max_missing: 0, range: { min: 40000, max: 59600 } },
      { column: 'age_sparse', type: 'integer', max_missing: 0.1, range: { min: 18, max: 77 } },
      { rows: { min: 100, max: 400 } },
    ]);
  });

  it('suggests a suite that its own data passes and a corrupted copy fails', async () => {
    const good = join(dir, 'good.csv');
    const bad = join(dir, 'bad.csv');
    await duckDbCopy(`COPY (${customersSql()}) TO '${good}' (HEADER)`);
    await duckDbCopy(
      `COPY (SELECT CASE WHEN id = 7 THEN 6 ELSE id END AS id, CASE WHEN id = 9 THEN 140 ELSE age END AS age, ` +
        `CASE WHEN id = 11 THEN 'UK' ELSE country END AS country, CASE WHEN id = 12 THEN NULL ELSE email END AS email, ` +
        `income + 30000 AS income FROM (${customersSql()})) TO '${bad}' (HEADER)`,
    );
    const yaml = suiteToYaml(
      await inferSuite({ file: good }, { distributionReference: 'good.csv' }),
      'good.csv',
    );
    expect(yaml).toContain('not_null: true');
    const suite = parseSuiteText(yaml);
    const options = {
      distributionTest: driftDistributionTest,
      resolveReference: async (ref: string) => ({ file: join(dir, ref) }),
    };
    const onItself = await runSuite({ file: good }, suite, options);
    expect(onItself.checks.filter((c) => !c.passed)).toEqual([]);
    const corrupted = await runSuite({ file: bad }, suite, options);
    const failed = corrupted.checks.filter((c) => !c.passed).map((c) => c.check.label);
    expect(failed).toEqual([
      'id unique',
      'age range',
      'country allowed values',
      'email not null',
      'income range',
      'income distribution',
    ]);
    expect(corrupted.checks.find((c) => c.check.label === 'id unique')!.examples).toEqual([
      { row: 6, value: 6 },
      { row: 7, value: 6 },
    ]);
  });
});
