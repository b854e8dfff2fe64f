import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import type { Platform } from '../../src/platform.js';
import type { TrainingTable } from '../../src/training/data/training-table.js';
import { train, type TrainingServices } from '../../src/training/trainer.js';
import { openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `model: 'gbdt'` through the trainer: a tracked run whose package the registry accepts and
 * serving runs, answering what the TypeScript model answers, missing values included. (The store
 * is not what is under test here, so one dialect suffices; trainer.test.ts covers both.)
 */
function ordersCsv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const regions = ['north', 'south', 'east', 'west'];
  const lines = ['basket,discount,region,returned,margin'];
  for (let i = 0; i < rows; i++) {
    const basket = Math.round(random() * 5000) / 10;
    const discount = Math.round(random() * 50);
    const region = regions[Math.floor(random() * regions.length)] as string;
    // An interaction: large discounts on small baskets come back, in the south above all.
    const risk = (discount > 30 && basket < 150 ? 2.5 : -1) + (region === 'south' ? 1 : 0) + random() - 0.5;
    const margin = basket * (0.3 - discount / 200) + (region === 'west' ? 15 : 0) + (random() - 0.5) * 4;
    lines.push(
      [
        random() < 0.05 ? '' : basket,
        random() < 0.05 ? '' : discount,
        random() < 0.05 ? '' : region,
        risk > 0 ? 'yes' : 'no',
        margin.toFixed(2),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const records = [
  { basket: 40, discount: 45, region: 'south' },
  { basket: 400, discount: 5, region: 'north' },
  { basket: 120, discount: null, region: 'east' },
  { basket: null, discount: 35, region: 'moon' },
  { basket: 90, discount: 40, region: null },
];

function recordTable(): TrainingTable {
  return {
    rows: records.length,
    columns: [
      { name: 'basket', kind: 'numeric', values: Float64Array.from(records, (r) => r.basket ?? NaN) },
      { name: 'discount', kind: 'numeric', values: Float64Array.from(records, (r) => r.discount ?? NaN) },
      { name: 'region', kind: 'categorical', values: records.map((r) => r.region ?? null) },
    ],
  };
}

describe('train with model gbdt', () => {
  let platform: Platform;
  let services: TrainingServices;
  let experimentId: string;
  let data: string;

  beforeAll(async () => {
    platform = await openTestPlatform('sqlite');
    services = {
      runs: platform.tracking.runs,
      artifacts: platform.tracking.artifacts,
      clock: platform.clock,
    };
    experimentId = await platform.tracking.experiments.create({ name: 'orders' });
    data = join(tempDir(), 'orders.csv');
    writeFileSync(data, ordersCsv(2000, 8));
  });
  afterAll(async () => platform.close());

  it('classifies and regresses; serving answers what the TypeScript model answers', async () => {
    for (const [label, name] of [
      ['returned', 'returns-gbdt'],
      ['margin', 'margin-gbdt'],
    ] as const) {
      const features = ['basket', 'discount', 'region'];
      const result = await train(services, {
        data,
        label,
        features,
        model: 'gbdt',
        params: { max_iter: 50 },
        run: { experimentId },
      });
      if (result.task === 'regression') expect(result.metrics.r2).toBeGreaterThan(0.9);
      else expect(result.metrics.roc_auc).toBeGreaterThan(0.9);
      await platform.registry.models.create({ name });
      const version = await platform.registry.versions.create({ name, source: result.modelSource });
      expect(version.status).toBe('READY');
      const served = await platform.serving.predictions.predict({ ref: `${name}/1`, records });
      const expected = result.predict(recordTable());
      served.predictions.forEach((p, i) => {
        if (result.task === 'regression') {
          expect(Math.abs(p.value! - expected[i]!)).toBeLessThan(1e-3);
          return;
        }
        result.classLabels!.map(String).forEach((c, j) => {
          expect(Math.abs(p.probabilities![c]! - expected[i * 2 + j]!)).toBeLessThan(1e-5);
        });
      });
    }
  });
});
