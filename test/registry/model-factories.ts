import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/core/clock.js';
import type { ModelMetadata } from '../../src/registry/model-metadata.js';
import type { Platform } from '../../src/platform.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** mloop's metadata for `columnsClassifierOnnx()`. */
export const classifierMetadata: ModelMetadata = {
  format: 'mloop-model/v1',
  task: 'classification',
  inputs: [
    { name: 'a', type: 'float32' },
    { name: 'b', type: 'float32', pii: true },
  ],
  layout: { kind: 'columns' },
  outputs: { label: 'label', probabilities: 'probabilities' },
  classLabels: ['stay', 'churn'],
  lineage: { datasets: [], packages: { 'scikit-learn': '1.9.1', onnx: '1.23.2' } },
};

export interface TrainedRun {
  experimentId: string;
  runId: string;
}

/**
 * A finished run that read a dataset, ran from a git commit, and logged an mloop model package
 * under `model/` in its artifacts (`files` replaces the package's files when given).
 */
export async function trainedRun(
  platform: Platform,
  options: { files?: Record<string, Uint8Array | string>; dirty?: boolean } = {},
): Promise<TrainedRun> {
  const { experiments, runs, artifacts } = platform.tracking;
  // Experiment ids are the clock's milliseconds plus three random digits: a frozen test clock
  // would make them collide after a few dozen experiments.
  if (platform.clock instanceof ManualClock) platform.clock.advance(1);
  const experimentId = await experiments.create({ name: unique('registry-exp') });
  const run = await runs.create({
    experimentId,
    tags: [
      { key: 'mlflow.source.git.commit', value: 'a1b2c3d4e5f6' },
      { key: 'mloop.source.git.dirty', value: String(options.dirty ?? false) },
    ],
  });
  const runId = run.info.runId;
  await runs.logInputs(runId, [
    {
      dataset: { name: 'churn-train', digest: 'd1g35t', sourceType: 'local', source: 'data/train.csv' },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    },
  ]);
  const files = options.files ?? {
    'model.onnx': columnsClassifierOnnx(),
    'mloop-model.json': JSON.stringify(classifierMetadata),
  };
  for (const [name, body] of Object.entries(files)) {
    await artifacts.putForRun(runId, `model/${name}`, typeof body === 'string' ? Buffer.from(body) : body);
  }
  await runs.update(runId, { status: 'FINISHED' });
  return { experimentId, runId };
}

/** A registered model with `count` versions, each from its own run. */
export async function modelWithVersions(platform: Platform, count: number): Promise<string> {
  const name = unique('model');
  await platform.registry.models.create({ name });
  for (let i = 0; i < count; i += 1) {
    const { runId } = await trainedRun(platform);
    await platform.registry.versions.create({ name, source: `runs:/${runId}/model` });
  }
  return name;
}
