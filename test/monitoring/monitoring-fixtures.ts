import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import type { Platform } from '../../src/platform.js';
import type { ModelMetadata } from '../../src/registry/model-metadata.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';
import { trainedRun, unique } from '../registry/model-factories.js';

/** A real two-feature ONNX classifier (`a`, `b`), neither feature redacted from the log. */
export const monitoredMetadata: ModelMetadata = {
  format: 'mloop-model/v1',
  task: 'classification',
  inputs: [
    { name: 'a', type: 'float32' },
    { name: 'b', type: 'float32' },
  ],
  layout: { kind: 'columns' },
  outputs: { label: 'label', probabilities: 'probabilities' },
  classLabels: ['stay', 'churn'],
};

/** Registers the classifier as version 1 of a new model with alias `champion`; returns its name. */
export async function registerMonitoredModel(
  platform: Platform,
  metadata: ModelMetadata = monitoredMetadata,
): Promise<string> {
  const name = unique('monitored');
  await platform.registry.models.create({ name });
  const { runId } = await trainedRun(platform, {
    files: { 'model.onnx': columnsClassifierOnnx(), 'mloop-model.json': JSON.stringify(metadata) },
  });
  await platform.registry.versions.create({ name, source: `runs:/${runId}/model` });
  await platform.registry.aliases.set(name, 'champion', 1);
  return name;
}

/** Normal draws (Box–Muller) from a seeded generator, so every run sees the same data. */
export function normals(n: number, seed: number, mean = 0): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(random(), 1e-12);
    return mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  });
}

/** A CSV reference file of `a` and `b`, both standard normal. */
export function writeReferenceCsv(dir: string, rows = 400): string {
  const a = normals(rows, 1);
  const b = normals(rows, 2);
  const path = join(dir, 'reference.csv');
  writeFileSync(path, `a,b\n${a.map((x, i) => `${x},${b[i]}`).join('\n')}\n`);
  return path;
}

/**
 * Scores `rows` records through serving (so they land in the prediction log at the clock's time),
 * `a` shifted by `shiftA`, `b` unshifted, in batches of 50.
 */
export async function servePredictions(
  platform: Platform,
  ref: string,
  rows: number,
  options: { shiftA?: number; seed?: number } = {},
): Promise<void> {
  const seed = options.seed ?? 10;
  const a = normals(rows, seed, options.shiftA ?? 0);
  const b = normals(rows, seed + 1);
  for (let i = 0; i < rows; i += 50) {
    const records = a.slice(i, i + 50).map((x, j) => ({ a: x, b: b[i + j]! }));
    await platform.serving.predictions.predict({ ref, records });
  }
  await platform.serving.log.flush();
}

export function testClock(): ManualClock {
  return new ManualClock(Date.UTC(2026, 3, 1, 12));
}
