import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { learners } from '../../src/training/learners.js';
import type { Platform } from '../../src/platform.js';
import type { TrainingTable } from '../../src/training/data/training-table.js';
import type { TrainingServices } from '../../src/training/trainer.js';
import { parseSearchSpace } from '../../src/training/tuning/search-space.js';
import { tune } from '../../src/training/tuning/tune.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

/** Two informative numbers and a noisy binary label. */
function table(rows: number): TrainingTable {
  const random = seededRandom(9);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const label: string[] = [];
  for (let i = 0; i < rows; i++) {
    a[i] = random() * 4 - 2;
    b[i] = random() * 4 - 2;
    label.push(a[i]! + 0.5 * b[i]! + (random() - 0.5) * 0.5 > 0 ? 'buy' : 'skip');
  }
  return {
    rows,
    columns: [
      { name: 'a', kind: 'numeric', values: a },
      { name: 'b', kind: 'numeric', values: b },
      { name: 'label', kind: 'categorical', values: label },
    ],
  };
}

describeEachDialect('tune', (dialect) => {
  let platform: Platform;
  let services: TrainingServices;
  let experimentId: string;
  const data = table(400);
  const dataset = { name: 'synthetic', digest: 'abc', source: 'memory' };

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    services = {
      runs: platform.tracking.runs,
      artifacts: platform.tracking.artifacts,
      clock: platform.clock,
    };
    experimentId = await platform.tracking.experiments.create({ name: 'tuning' });
  });
  afterAll(async () => platform.close());

  it('grid search nests a run per combination and the parent records the best by the metric', async () => {
    const result = await tune(services, {
      data,
      dataset,
      label: 'label',
      model: 'logistic',
      space: parseSearchSpace('l2: [30, 0.001]\nmax_iter: [200]\n'),
      search: 'grid',
      metric: 'log_loss',
      run: { experimentId, runName: 'grid' },
    });
    expect(result.direction).toBe('min');
    expect(result.trials).toHaveLength(2);
    // A heavy penalty flattens the probabilities: its log loss is worse.
    expect(result.best.params).toEqual({ l2: 0.001, max_iter: 200 });
    expect(result.best.value).toBe(Math.min(...result.trials.map((t) => t.value)));
    const parent = await platform.tracking.runs.get(result.parentRunId);
    const tags = Object.fromEntries(parent.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mloop.tuning.best_run_id']).toBe(result.best.runId);
    expect(parent.data.metrics.find((m) => m.key === 'best_log_loss')?.value).toBe(result.best.value);
    expect(parent.data.params).toContainEqual({ key: 'best.l2', value: '0.001' });
    for (const trial of result.trials) {
      const run = await platform.tracking.runs.get(trial.runId);
      expect(run.info.parentRunId).toBe(result.parentRunId);
      expect(run.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: result.parentRunId });
    }
  });

  it('successive halving trains fewer candidates on more rows each round and ends on all rows', async () => {
    const result = await tune(services, {
      data,
      dataset,
      label: 'label',
      model: 'logistic',
      space: parseSearchSpace('l2: {low: 0.0001, high: 10, log: true}\n'),
      search: 'halving',
      trials: 4,
      eta: 2,
      run: { experimentId },
    });
    const perRound = [0, 1, 2].map((r) => result.trials.filter((t) => t.round === r));
    expect(perRound.map((t) => t.length)).toEqual([4, 2, 1]);
    expect(perRound[0]![0]!.trainRows).toBeLessThan(perRound[1]![0]!.trainRows!);
    expect(perRound[2]![0]!.trainRows).toBeUndefined();
    expect(result.best.runId).toBe(perRound[2]![0]!.runId);
    expect(result.metric).toBe('accuracy');
  });

  it('random search is seeded, and grid search refuses a range naming the parameter', async () => {
    const space = parseSearchSpace('{"l2": {"low": 0.001, "high": 1}}');
    const draw = async () =>
      (
        await tune(services, {
          data,
          dataset,
          label: 'label',
          model: 'logistic',
          space,
          search: 'random',
          trials: 2,
          seed: 3,
          run: { experimentId },
        })
      ).trials.map((t) => t.params.l2);
    expect(await draw()).toEqual(await draw());
    await expect(
      tune(services, {
        data,
        dataset,
        label: 'label',
        model: 'logistic',
        space,
        search: 'grid',
        run: { experimentId },
      }),
    ).rejects.toMatchObject({ field: 'space.l2' });
  });

  it('draws whole numbers for a range over an integer parameter, in random, halving and grid search', async () => {
    // The space does not say `integer: true`: gbdt declares max_leaf_nodes and max_iter integers.
    const space = parseSearchSpace('{max_leaf_nodes: {low: 10, high: 60}, max_iter: {low: 3, high: 5}}');
    const request = { data, dataset, label: 'label', model: 'gbdt', space, run: { experimentId } };
    const random = await tune(services, { ...request, search: 'random', trials: 3, seed: 1 });
    const halving = await tune(services, { ...request, search: 'halving', trials: 3, eta: 3 });
    for (const trial of [...random.trials, ...halving.trials]) {
      expect(Number.isInteger(trial.params.max_leaf_nodes), String(trial.params.max_leaf_nodes)).toBe(true);
      expect(trial.params.max_leaf_nodes).toBeGreaterThanOrEqual(10);
      expect(trial.params.max_leaf_nodes).toBeLessThanOrEqual(60);
      expect([3, 4, 5]).toContain(trial.params.max_iter);
    }
    const grid = await tune(services, {
      ...request,
      space: parseSearchSpace('{max_iter: {low: 2, high: 4}, max_leaf_nodes: [8]}'),
      search: 'grid',
    });
    expect(grid.trials.map((t) => t.params)).toEqual([
      { max_iter: 2, max_leaf_nodes: 8 },
      { max_iter: 3, max_leaf_nodes: 8 },
      { max_iter: 4, max_leaf_nodes: 8 },
    ]);
  });
});

it("each learner's declared hyperparameters are those it parses, integers refusing fractions", () => {
  for (const learner of learners) {
    for (const [name, kind] of Object.entries(learner.hyperparameters)) {
      if (kind === 'choice') continue;
      expect(() => learner.parseParams({ [name]: kind === 'integer' ? 2 : 0.5 }), name).not.toThrow();
      if (kind === 'integer')
        expect(() => learner.parseParams({ [name]: 2.5 }), name).toThrow(/whole number/);
    }
    expect(() => learner.parseParams({ undeclared: 1 })).toThrow(/has no parameter/);
  }
});
