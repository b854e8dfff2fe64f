import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

describeEachDialect('logged models store', (dialect) => {
  let platform: Platform;
  const clock = new ManualClock(Date.UTC(2026, 7, 1));
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(async () => platform.close());

  // Experiment ids are milliseconds plus three random digits: move the frozen clock between them.
  const newExperiment = () => {
    clock.advance(1);
    return platform.tracking.experiments.create({ name: `lm-${Math.random().toString(36).slice(2)}` });
  };

  it('creates a PENDING model under its own artifact location and finalizes it', async () => {
    const { loggedModels, runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    const model = await loggedModels.create({
      experimentId,
      name: 'clf',
      sourceRunId: run.info.runId,
      modelType: 'classifier',
      params: [{ key: 'C', value: '1.0' }],
      tags: [{ key: 'team', value: 'fraud' }],
    });
    expect(model).toMatchObject({
      experimentId,
      name: 'clf',
      status: 'PENDING',
      sourceRunId: run.info.runId,
      modelType: 'classifier',
      params: [{ key: 'C', value: '1.0' }],
      tags: [{ key: 'team', value: 'fraud' }],
      lifecycleStage: 'active',
    });
    expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.artifactLocation).toBe(
      `mlflow-artifacts:/${experimentId}/models/${model.modelId}/artifacts`,
    );
    clock.advance(5);
    const ready = await loggedModels.finalize(model.modelId, 'READY');
    expect(ready).toMatchObject({ status: 'READY', lastUpdatedTime: model.creationTime + 5 });
    await expect(loggedModels.finalize(model.modelId, 'PENDING')).rejects.toMatchObject({ field: 'status' });
  });

  it('refuses unknown experiments, and records a source run of another server as given', async () => {
    const { loggedModels } = platform.tracking;
    await expect(loggedModels.create({ experimentId: '404' })).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    const foreign = await loggedModels.create({
      experimentId: await newExperiment(),
      sourceRunId: 'f'.repeat(32),
    });
    expect((await loggedModels.get(foreign.modelId)).sourceRunId).toBe('f'.repeat(32));
  });

  it('keeps metrics a run logs for a model with their dataset, finds models by it, and records models a run read', async () => {
    const { loggedModels, runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    const measured = await loggedModels.create({ experimentId, sourceRunId: run.info.runId });
    const other = await loggedModels.create({ experimentId, sourceRunId: run.info.runId });
    await runs.logBatch(run.info.runId, {
      metrics: [
        {
          key: 'accuracy',
          value: 0.9,
          timestamp: 5,
          step: 1,
          modelId: measured.modelId,
          datasetName: 'holdout',
          datasetDigest: 'd1',
        },
        { key: 'loss', value: Number.NaN, timestamp: 6, step: 1, modelId: measured.modelId },
        { key: 'own', value: 1, timestamp: 7, step: 0 },
      ],
    });
    const metrics = (await loggedModels.get(measured.modelId)).metrics;
    expect(metrics).toEqual([
      {
        key: 'accuracy',
        value: 0.9,
        timestamp: 5,
        step: 1,
        modelId: measured.modelId,
        runId: run.info.runId,
        datasetName: 'holdout',
        datasetDigest: 'd1',
      },
      {
        key: 'loss',
        value: Number.NaN,
        timestamp: 6,
        step: 1,
        modelId: measured.modelId,
        runId: run.info.runId,
      },
    ]);
    expect((await loggedModels.get(other.modelId)).metrics).toEqual([]);
    const found = async (datasets: Array<{ datasetName: string; datasetDigest?: string }>) =>
      (await loggedModels.search({ experimentIds: [experimentId], datasets })).items.map((m) => m.modelId);
    expect(await found([{ datasetName: 'holdout' }])).toEqual([measured.modelId]);
    expect(await found([{ datasetName: 'holdout', datasetDigest: 'd2' }])).toEqual([]);
    const byMetric = async (filter: string, datasets?: Array<{ datasetName: string }>) =>
      (await loggedModels.search({ experimentIds: [experimentId], filter, datasets })).items.map(
        (m) => m.modelId,
      );
    expect(await byMetric('metrics.accuracy > 0.5')).toEqual([measured.modelId]);
    expect(await byMetric('metrics.accuracy >= 0.95')).toEqual([]);
    expect(await byMetric('metrics.accuracy > 0.5', [{ datasetName: 'train' }])).toEqual([]);
    expect(await byMetric('metrics.accuracy > 0.5', [{ datasetName: 'holdout' }])).toEqual([
      measured.modelId,
    ]);
    await expect(byMetric("metrics.accuracy = 'high'")).rejects.toMatchObject({ field: 'filter' });

    const reader = await runs.create({ experimentId });
    await runs.logInputs(reader.info.runId, [], [measured.modelId, measured.modelId]);
    await runs.logInputs(reader.info.runId, [], [measured.modelId]);
    expect((await runs.get(reader.info.runId)).inputs.modelInputs).toEqual([measured.modelId]);
  });

  it('sets and deletes tags, and keeps params immutable', async () => {
    const { loggedModels } = platform.tracking;
    const model = await loggedModels.create({ experimentId: await newExperiment() });
    await loggedModels.setTags(model.modelId, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    await loggedModels.setTags(model.modelId, [{ key: 'a', value: '3' }]);
    await loggedModels.deleteTag(model.modelId, 'b');
    await expect(loggedModels.deleteTag(model.modelId, 'b')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await loggedModels.logParams(model.modelId, [{ key: 'lr', value: '0.1' }]);
    await loggedModels.logParams(model.modelId, [{ key: 'lr', value: '0.1' }]);
    await expect(loggedModels.logParams(model.modelId, [{ key: 'lr', value: '0.2' }])).rejects.toMatchObject({
      field: 'params',
    });
    expect(await loggedModels.get(model.modelId)).toMatchObject({
      tags: [{ key: 'a', value: '3' }],
      params: [{ key: 'lr', value: '0.1' }],
    });
  });

  it('searches by name, run, status and tag, newest first, one page at a time', async () => {
    const { loggedModels, runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    const made = [];
    for (const name of ['alpha', 'beta', 'alpha']) {
      clock.advance(10);
      made.push(await loggedModels.create({ experimentId, name, sourceRunId: run.info.runId }));
    }
    await loggedModels.setTags(made[1]?.modelId ?? '', [{ key: 'stage', value: 'candidate' }]);
    await loggedModels.finalize(made[2]?.modelId ?? '', 'READY');
    const ids = async (filter?: string, orderBy?: Array<{ fieldName: string; ascending?: boolean }>) =>
      (await loggedModels.search({ experimentIds: [experimentId], filter, orderBy })).items.map(
        (m) => m.modelId,
      );
    const [a1, b, a2] = made.map((m) => m.modelId);
    expect(await ids()).toEqual([a2, b, a1]);
    expect(await ids("name = 'alpha'")).toEqual([a2, a1]);
    expect(await ids(`name = 'alpha' AND source_run_id = '${run.info.runId}'`)).toEqual([a2, a1]);
    expect(await ids("status = 'READY'")).toEqual([a2]);
    expect(await ids("tags.stage = 'candidate'")).toEqual([b]);
    expect(await ids("name LIKE 'al%'", [{ fieldName: 'creation_timestamp', ascending: true }])).toEqual([
      a1,
      a2,
    ]);
    const page = await loggedModels.search({ experimentIds: [experimentId], maxResults: 2 });
    const rest = await loggedModels.search({ experimentIds: [experimentId], pageToken: page.nextPageToken });
    expect([...page.items, ...rest.items].map((m) => m.modelId)).toEqual([a2, b, a1]);
    await expect(
      loggedModels.search({ experimentIds: [experimentId], filter: "color = 'red'" }),
    ).rejects.toMatchObject({
      field: 'filter',
    });
  });

  it('records a run as producing models, and hides deleted models', async () => {
    const { loggedModels, runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    const model = await loggedModels.create({ experimentId, sourceRunId: run.info.runId });
    await loggedModels.logOutputs(run.info.runId, [{ modelId: model.modelId, step: 3 }]);
    await loggedModels.logOutputs(run.info.runId, [{ modelId: model.modelId, step: 4 }]);
    expect((await loggedModels.outputsOf([run.info.runId])).get(run.info.runId)).toEqual([
      { modelId: model.modelId, step: 4 },
    ]);
    await loggedModels.delete(model.modelId);
    await expect(loggedModels.get(model.modelId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await loggedModels.get(model.modelId, { allowDeleted: true })).lifecycleStage).toBe('deleted');
    expect((await loggedModels.search({ experimentIds: [experimentId] })).items).toEqual([]);
  });
});
