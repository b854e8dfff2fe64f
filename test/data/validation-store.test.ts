import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { MloopError, notFound } from '../../src/core/errors.js';
import { parseSuite } from '../../src/data/validation/suite.js';
import type { ValidationTables } from '../../src/data/validation/tables.js';
import { DatasetValidationService } from '../../src/data/validation/validations.js';
import { driftDistributionTest } from '../../src/monitoring/drift/distribution-test.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { describeEachDialect } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { customersSql, duckDbCopy } from './validation-files.js';

const dir = tempDir('mloop-validation-store-');
// Versions of "customers" as plain files: 1 is good, 2 has an out-of-range age and a shifted income.
const versions: Record<string, string> = {
  'customers/1': join(dir, 'customers-1.csv'),
  'customers/2': join(dir, 'customers-2.csv'),
};

beforeAll(async () => {
  await duckDbCopy(`COPY (${customersSql()}) TO '${versions['customers/1']}' (HEADER)`);
  await duckDbCopy(
    `COPY (SELECT id, CASE WHEN id = 5 THEN 140 ELSE age END AS age, country, email, income ` +
      `FROM (${customersSql({ incomeShift: 20000 })})) TO '${versions['customers/2']}' (HEADER)`,
  );
});

const suite = parseSuite({
  checks: [
    { column: 'id', type: 'integer', unique: true },
    { column: 'age', not_null: true, range: { min: 0, max: 120 } },
    { column: 'country', allowed: ['US', 'FR', 'DE'] },
    { column: 'income', distribution: { reference: 'customers/1', test: 'ks' } },
    { rows: { min: 100 } },
  ],
});

describeEachDialect('dataset validation reports', (dialect) => {
  let database: Database;
  let clock: ManualClock;
  let service: DatasetValidationService;

  beforeAll(async () => {
    const url = dialect === 'sqlite' ? `sqlite:${join(tempDir(), 'mloop.db')}` : await freshPostgresUrl();
    database = await openDatabase(url);
    clock = new ManualClock();
    service = new DatasetValidationService({
      db: database.tables<ValidationTables>(),
      clock,
      distributionTest: driftDistributionTest,
      data: {
        version: async (ref) => {
          const file = versions[ref];
          if (!file) throw notFound(`no dataset version ${ref}`);
          const [name, version] = ref.split('/');
          return { name: name!, version: Number(version), data: { file } };
        },
      },
    });
  });
  afterAll(() => database.close());

  it('stores each report, newest first, and lets a version that passed be used', async () => {
    const first = await service.validate('customers/1', suite);
    clock.advance(1000);
    const second = await service.validate('customers/1', suite);
    expect(first).toMatchObject({
      dataset: 'customers',
      version: 1,
      passed: true,
      summary: 'all 7 checks passed',
    });
    const listed = await service.list({ name: 'customers', version: 1 });
    expect(listed.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(listed[0]!.report.checks).toHaveLength(7);
    expect(listed[0]!.createdAt).toBe(first.createdAt + 1000);
    await expect(service.requireValidated('customers/1')).resolves.toBeUndefined();
  });

  it('blocks a version whose latest report failed, naming the failed checks', async () => {
    const record = await service.validate('customers/2', suite);
    expect(record.passed).toBe(false);
    expect(record.summary).toBe('2 of 7 checks failed (age range, income distribution)');
    const error = await service.requireValidated('customers/2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MloopError);
    expect((error as MloopError).code).toBe('INVALID_STATE');
    expect((error as MloopError).message).toBe(
      `dataset customers/2 failed validation suite ${record.suiteDigest.slice(0, 12)}: ` +
        '2 of 7 checks failed (age range, income distribution); fix the data or run ' +
        '`mloop data validate customers/2 --suite SUITE` again',
    );
  });

  it('blocks a version the required suite has not run on, and runs the required suite when none is given', async () => {
    const lenient = parseSuite({ checks: [{ rows: { min: 1 } }] });
    await service.validate('customers/2', lenient);
    // Without a required suite, the newest report (lenient, passed) decides.
    await expect(service.requireValidated('customers/2')).resolves.toBeUndefined();
    await service.requireSuite('customers', suite);
    await expect(service.requireValidated('customers/2')).rejects.toThrow(/failed validation suite/);
    expect((await service.requiredSuite('customers'))?.suite).toEqual(suite);

    const strict = parseSuite({ checks: [{ column: 'age', range: { min: 0, max: 100 } }] });
    await service.requireSuite('customers', strict);
    await expect(service.requireValidated('customers/1')).rejects.toThrow(
      /has not passed validation suite [0-9a-f]{12}, which dataset customers requires before training: run `mloop data validate customers\/1`/,
    );
    const ran = await service.validate('customers/1');
    expect(ran.passed).toBe(true);
    await expect(service.requireValidated('customers/1')).resolves.toBeUndefined();
    expect(await service.dropRequiredSuite('customers')).toBe(true);
  });

  it('says what to do when no suite is given and none is required', async () => {
    await expect(service.validate('customers/1')).rejects.toThrow(/mloop data suggest customers\/1/);
    await expect(service.validate('customers/9', suite)).rejects.toThrow(/no dataset version customers\/9/);
  });
});
