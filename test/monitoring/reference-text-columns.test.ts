import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import type { Platform } from '../../src/platform.js';
import { train } from '../../src/training/trainer.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { testClock } from './monitoring-fixtures.js';

const hour = 3_600_000;

/** Customers: tenure, whether they renewed (yes/no) and whether they churned (yes/no). */
function customers(rows: number, seed: number): Array<{ tenure: number; renewed: string; churned: string }> {
  const random = seededRandom(seed);
  return Array.from({ length: rows }, () => {
    const tenure = Math.round(random() * 60);
    const renewed = random() < 0.6 ? 'yes' : 'no';
    const churned = tenure < 15 + (renewed === 'no' ? 15 : 0) + random() * 10 ? 'yes' : 'no';
    return { tenure, renewed, churned };
  });
}

describeEachDialect('a monitor report against a CSV reference with a yes/no feature', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let reference: string;

  beforeAll(async () => {
    clock = testClock();
    platform = await openTestPlatform(dialect, clock);
    reference = join(tempDir('mloop-reference-'), 'customers.csv');
    const rows = customers(400, 1);
    writeFileSync(
      reference,
      `tenure,renewed,churned\n${rows.map((r) => `${r.tenure},${r.renewed},${r.churned}`).join('\n')}\n`,
    );
    const experimentId = await platform.tracking.experiments.create({ name: 'renewals' });
    const services = { runs: platform.tracking.runs, artifacts: platform.tracking.artifacts, clock };
    const result = await train(services, {
      data: reference,
      label: 'churned',
      features: ['tenure', 'renewed'],
      model: 'logistic',
      run: { experimentId },
    });
    await platform.registry.models.create({ name: 'renewals' });
    await platform.registry.versions.create({ name: 'renewals', source: result.modelSource });
    const served = customers(300, 1).map(({ tenure, renewed }) => ({ tenure, renewed }));
    await platform.serving.predictions.predict({ ref: 'renewals/1', records: served });
    await platform.serving.log.flush();
  });
  afterAll(() => platform.close());

  it('compares the served yes/no values with the file’s: no drift, no unseen categories', async () => {
    const report = await platform.monitoring.reports.report({
      ref: 'renewals/1',
      windowMs: hour,
      reference,
    });
    expect(report.window.rows).toBe(300);
    const renewed = report.drift.columns.find((c) => c.name === 'renewed')!;
    expect(renewed.referenceHistogram).toMatchObject({ categories: expect.arrayContaining(['yes', 'no']) });
    expect(renewed.drifted).toBe(false);
    expect(report.quality.issues.filter((i) => i.column === 'renewed')).toEqual([]);
  });
});
