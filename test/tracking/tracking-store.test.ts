import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

describeEachDialect('tracking store', (dialect) => {
  let platform: Platform;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(async () => platform.close());

  const newExperiment = async (tags: { key: string; value: string }[] = []) =>
    platform.tracking.experiments.create({ name: `exp-${Math.random().toString(36).slice(2)}`, tags });

  it('has the Default experiment with id "0", created when the store was', async () => {
    const experiment = await platform.tracking.experiments.get('0');
    expect(experiment.name).toBe('Default');
    // Not 0 (listed as 1970-01-01): the store was created during this test run.
    expect(experiment.creationTime).toBeGreaterThan(Date.now() - 600_000);
    expect(experiment.creationTime).toBeLessThanOrEqual(Date.now());
    expect(experiment.lastUpdateTime).toBeGreaterThanOrEqual(experiment.creationTime);
  });

  it('counts the active runs of each experiment', async () => {
    const { experiments, runs } = platform.tracking;
    const busy = await newExperiment();
    const empty = await newExperiment();
    await runs.create({ experimentId: busy, runName: 'kept' });
    await runs.create({ experimentId: busy, runName: 'also kept' });
    const gone = await runs.create({ experimentId: busy, runName: 'deleted' });
    await runs.delete(gone.info.runId);
    expect(await experiments.runCounts([busy, empty])).toEqual(
      new Map([
        [busy, 2],
        [empty, 0],
      ]),
    );
  });

  it('creates, renames, tags, deletes and restores an experiment', async () => {
    const { experiments } = platform.tracking;
    const id = await newExperiment([{ key: 'team', value: 'fraud' }]);
    await expect(experiments.create({ name: (await experiments.get(id)).name })).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
    });
    await experiments.rename(id, `renamed-${id}`);
    expect((await experiments.getByName(`renamed-${id}`)).experimentId).toBe(id);
    await experiments.setTag(id, { key: 'stage', value: 'dev' });
    expect((await experiments.get(id)).tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'fraud' },
        { key: 'stage', value: 'dev' },
      ]),
    );
    await experiments.delete(id);
    expect((await experiments.get(id)).lifecycleStage).toBe('deleted');
    const active = await experiments.search({ filter: `name = 'renamed-${id}'` });
    expect(active.items).toHaveLength(0);
    const deleted = await experiments.search({ filter: `name = 'renamed-${id}'`, viewType: 'DELETED_ONLY' });
    expect(deleted.items.map((e) => e.experimentId)).toEqual([id]);
    await experiments.restore(id);
    expect((await experiments.get(id)).lifecycleStage).toBe('active');
  });

  it('searches experiments as MLflow does: !=, case-sensitive LIKE, ILIKE, and tag != needing the tag', async () => {
    const { experiments } = platform.tracking;
    const prefix = `cmp-${Math.random().toString(36).slice(2)}`;
    for (const [name, tags] of [
      ['a', [{ key: 'key', value: 'value' }]],
      ['ab', [{ key: 'key', value: 'vaLue' }]],
      ['Abc', []],
    ] as const)
      await experiments.create({ name: `${prefix}-${name}`, tags: [...tags] });
    const names = async (filter: string) =>
      (await experiments.search({ filter: `name LIKE '${prefix}-%' and ${filter}` })).items
        .map((e) => e.name.slice(prefix.length + 1))
        .sort();
    expect(await names(`attribute.name != '${prefix}-a'`)).toEqual(['Abc', 'ab']);
    expect(await names(`name LIKE '${prefix}-a%'`)).toEqual(['a', 'ab']);
    expect(await names(`tags.key ILIKE '%alu%'`)).toEqual(['a', 'ab']);
    expect(await names(`tags.key != 'value'`)).toEqual(['ab']);
  });

  it('reports an unknown experiment as RESOURCE_DOES_NOT_EXIST', async () => {
    await expect(platform.tracking.experiments.get('999')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
  });

  it('keeps the full metric history and the latest value per key', async () => {
    const { runs } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment(), runName: 'history' });
    const id = run.info.runId;
    await runs.logBatch(id, {
      metrics: [
        { key: 'loss', value: 0.9, timestamp: 10, step: 0 },
        { key: 'loss', value: 0.5, timestamp: 20, step: 2 },
        { key: 'loss', value: 0.7, timestamp: 30, step: 1 },
      ],
    });
    await runs.logBatch(id, { metrics: [{ key: 'loss', value: 0.4, timestamp: 5, step: 1 }] });
    const history = await runs.metricHistory(id, 'loss');
    expect(history.items.map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.4],
      [1, 0.7],
      [2, 0.5],
    ]);
    const latest = (await runs.get(id)).data.metrics;
    expect(latest).toEqual([{ key: 'loss', value: 0.5, timestamp: 20, step: 2 }]);
  });

  it('stores NaN and infinite metric values', async () => {
    const { runs } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment() });
    await runs.logBatch(run.info.runId, {
      metrics: [
        { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'inf', value: Infinity, timestamp: 1, step: 0 },
        { key: 'ninf', value: -Infinity, timestamp: 1, step: 0 },
      ],
    });
    const values = Object.fromEntries(
      (await runs.get(run.info.runId)).data.metrics.map((m) => [m.key, m.value]),
    );
    expect(values.nan).toBeNaN();
    expect(values.inf).toBe(Infinity);
    expect(values.ninf).toBe(-Infinity);
  });

  it('does not duplicate a metric point when the same batch is sent twice', async () => {
    const { runs } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment() });
    const batch = {
      metrics: [{ key: 'acc', value: 0.8, timestamp: 100, step: 3 }],
      params: [{ key: 'lr', value: '0.1' }],
    };
    await runs.logBatch(run.info.runId, batch);
    await runs.logBatch(run.info.runId, batch);
    expect((await runs.metricHistory(run.info.runId, 'acc')).items).toHaveLength(1);
  });

  it('rejects a changed param value and writes nothing of that batch', async () => {
    const { runs } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment() });
    await runs.logBatch(run.info.runId, { params: [{ key: 'depth', value: '3' }] });
    await expect(
      runs.logBatch(run.info.runId, {
        metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0 }],
        params: [{ key: 'depth', value: '5' }],
        tags: [{ key: 'note', value: 'x' }],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    const after = await runs.get(run.info.runId);
    expect(after.data.metrics).toEqual([]);
    expect(after.data.tags.find((t) => t.key === 'note')).toBeUndefined();
    expect(after.data.params).toEqual([{ key: 'depth', value: '3' }]);
  });

  it('rejects a key with ".." and names the field', async () => {
    const { runs } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment() });
    await expect(
      runs.logBatch(run.info.runId, {
        metrics: [
          { key: 'ok', value: 1, timestamp: 1, step: 0 },
          { key: '../x', value: 1, timestamp: 1, step: 0 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field: 'metrics[1].key' });
    expect((await runs.get(run.info.runId)).data.metrics).toEqual([]);
  });

  it('rejects oversize param values and oversize batches', async () => {
    const { runs } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment() });
    await expect(
      runs.logBatch(run.info.runId, { params: [{ key: 'p', value: 'x'.repeat(6001) }] }),
    ).rejects.toMatchObject({ field: 'params[0].value' });
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    await expect(runs.logBatch(run.info.runId, { metrics })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      field: 'metrics',
    });
  });

  it('links nested runs to their parent and finishes runs with an end time', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const parent = await runs.create({ experimentId, runName: 'parent' });
    const child = await runs.create({
      experimentId,
      tags: [{ key: 'mlflow.parentRunId', value: parent.info.runId }],
    });
    expect(child.info.parentRunId).toBe(parent.info.runId);
    clock.advance(1000);
    const info = await runs.update(child.info.runId, { status: 'FINISHED' });
    expect(info.status).toBe('FINISHED');
    expect(info.endTime).toBe(clock.now());
    const children = await runs.search({
      experimentIds: [experimentId],
      filter: `tags.mlflow.parentRunId = '${parent.info.runId}'`,
    });
    expect(children.items.map((r) => r.info.runId)).toEqual([child.info.runId]);
  });

  it('searches with metric, param, tag and attribute filters and orders by a metric', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const specs = [
      { name: 'a', acc: 0.95, model: 'rf', note: 'xyz' },
      { name: 'b', acc: 0.91, model: 'rf', note: 'abc' },
      { name: 'c', acc: 0.97, model: 'lr', note: 'xyz' },
      { name: 'd', acc: 0.5, model: 'rf', note: 'xyz' },
    ];
    for (const s of specs) {
      clock.advance(10);
      const run = await runs.create({ experimentId, runName: s.name });
      await runs.logBatch(run.info.runId, {
        metrics: [{ key: 'acc', value: s.acc, timestamp: clock.now(), step: 0 }],
        params: [{ key: 'model', value: s.model }],
        tags: [{ key: 'x', value: s.note }],
      });
      if (s.name !== 'b') await runs.update(run.info.runId, { status: 'FINISHED' });
    }
    const names = async (filter: string, orderBy?: string[]) =>
      (await runs.search({ experimentIds: [experimentId], filter, orderBy })).items.map(
        (r) => r.info.runName,
      );
    expect(await names(`metrics.acc > 0.9 and params.model = 'rf'`, ['metrics.acc DESC'])).toEqual([
      'a',
      'b',
    ]);
    expect(await names(`tags.x LIKE '%y%'`, ['metrics.acc ASC'])).toEqual(['d', 'a', 'c']);
    expect(
      await names(`attributes.status = 'FINISHED' and metrics.acc >= 0.95`, [
        'params.model ASC',
        'metrics.acc DESC',
      ]),
    ).toEqual(['c', 'a']);
    expect(await names(`params.model ILIKE 'RF'`, ['attributes.run_name DESC'])).toEqual(['d', 'b', 'a']);
    expect(await names(`params.model LIKE 'RF'`)).toEqual([]);
    expect(await names(`tags.missing IS NULL and metrics.acc < 0.6`)).toEqual(['d']);
  });

  it('orders by a metric with the runs lacking it (or NaN) last, newest first, page after page', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    // Oldest first; `acc` undefined: never logged. Two runs tie on 0.8.
    const specs: Array<{ name: string; acc?: number; model: string }> = [
      { name: 'r1', acc: 0.8, model: 'rf' },
      { name: 'r2', model: 'rf' },
      { name: 'r3', acc: 0.6, model: 'lr' },
      { name: 'r4', acc: NaN, model: 'rf' },
      { name: 'r5', acc: 0.9, model: 'rf' },
      { name: 'r6', model: 'lr' },
      { name: 'r7', acc: 0.8, model: 'rf' },
    ];
    for (const s of specs) {
      clock.advance(10);
      const run = await runs.create({ experimentId, runName: s.name });
      await runs.logBatch(run.info.runId, {
        params: [{ key: 'model', value: s.model }],
        metrics: s.acc === undefined ? [] : [{ key: 'acc', value: s.acc, timestamp: clock.now(), step: 0 }],
      });
      // Another metric, so a run without `acc` still has rows in the metrics table.
      await runs.logBatch(run.info.runId, {
        metrics: [{ key: 'loss', value: 1, timestamp: clock.now(), step: 0 }],
      });
    }
    const all = async (orderBy: string, filter?: string, maxResults = 2) => {
      const names: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await runs.search({
          experimentIds: [experimentId],
          orderBy: [orderBy],
          filter,
          maxResults,
          pageToken,
        });
        names.push(...page.items.map((r) => r.info.runName));
        pageToken = page.nextPageToken;
      } while (pageToken);
      return names;
    };
    expect(await all('metrics.acc DESC')).toEqual(['r5', 'r7', 'r1', 'r3', 'r6', 'r4', 'r2']);
    expect(await all('metrics.acc ASC')).toEqual(['r3', 'r7', 'r1', 'r5', 'r6', 'r4', 'r2']);
    expect(await all('metrics.acc DESC', undefined, 100)).toEqual(['r5', 'r7', 'r1', 'r3', 'r6', 'r4', 'r2']);
    expect(await all('metrics.acc DESC', `params.model = 'rf'`, 3)).toEqual(['r5', 'r7', 'r1', 'r4', 'r2']);
    // A filter on the sorted metric itself leaves the runs without it out.
    expect(await all('metrics.acc DESC', 'metrics.acc < 0.85')).toEqual(['r7', 'r1', 'r3']);
  });

  it('pages through search results visiting each run once', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) ids.add((await runs.create({ experimentId })).info.runId);
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await runs.search({ experimentIds: [experimentId], maxResults: 3, pageToken });
      seen.push(...page.items.map((r) => r.info.runId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(ids);
  });

  it('pages on from where the last page ended, though runs logged meanwhile sort before it', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const logRun = async (name: string, acc: number) => {
      clock.advance(10);
      const run = await runs.create({ experimentId, runName: name });
      await runs.logBatch(run.info.runId, {
        params: [{ key: 'model', value: 'rf' }],
        metrics: [{ key: 'acc', value: acc, timestamp: clock.now(), step: 0 }],
      });
    };
    for (let i = 0; i < 6; i++) await logRun(`r${i}`, i / 10);
    // Default order (newest first), a sole metric order, and a filtered metric order.
    const searches = [
      {},
      { orderBy: ['metrics.acc DESC'] },
      { filter: 'metrics.acc >= 0', orderBy: ['metrics.acc DESC'] },
    ];
    const pages = await Promise.all(
      searches.map((s) => runs.search({ experimentIds: [experimentId], maxResults: 3, ...s })),
    );
    // A newer run with the highest accuracy: it sorts first in all three orders.
    await logRun('newcomer', 0.99);
    for (const [i, search] of searches.entries()) {
      const next = await runs.search({
        experimentIds: [experimentId],
        maxResults: 3,
        pageToken: pages[i]!.nextPageToken,
        ...search,
      });
      // An offset would have shifted by the newcomer and shown r3 again.
      expect(next.items.map((r) => r.info.runName)).toEqual(['r2', 'r1', 'r0']);
    }
  });

  it('treats SQL metacharacters in filter values as data', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    const nasty = `x'; drop table runs; --`;
    await runs.logBatch(run.info.runId, { params: [{ key: 'p', value: nasty }] });
    const found = await runs.search({ experimentIds: [experimentId], filter: `params.p = "${nasty}"` });
    expect(found.items.map((r) => r.info.runId)).toEqual([run.info.runId]);
    expect((await runs.get(run.info.runId)).info.runId).toBe(run.info.runId);
  });

  it('hides deleted runs from default searches and restores them', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const run = await runs.create({ experimentId });
    await runs.delete(run.info.runId);
    expect((await runs.search({ experimentIds: [experimentId] })).items).toHaveLength(0);
    expect(
      (await runs.search({ experimentIds: [experimentId], viewType: 'DELETED_ONLY' })).items,
    ).toHaveLength(1);
    await expect(runs.logBatch(run.info.runId, { params: [{ key: 'a', value: 'b' }] })).rejects.toMatchObject(
      { code: 'INVALID_PARAMETER_VALUE' },
    );
    await runs.restore(run.info.runId);
    expect((await runs.search({ experimentIds: [experimentId] })).items).toHaveLength(1);
  });

  it('records dataset inputs once per experiment with their context', async () => {
    const { runs } = platform.tracking;
    const experimentId = await newExperiment();
    const dataset = {
      name: 'iris',
      digest: 'abc123',
      sourceType: 'local',
      source: '{"uri":"iris.csv"}',
      schema: '{"a":"double"}',
    };
    const r1 = await runs.create({ experimentId });
    const r2 = await runs.create({ experimentId });
    await runs.logInputs(r1.info.runId, [
      { dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
    ]);
    await runs.logInputs(r2.info.runId, [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'eval' }] }]);
    const got = await runs.get(r1.info.runId);
    expect(got.inputs.datasetInputs).toEqual([
      { dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] },
    ]);
    const byContext = await runs.search({
      experimentIds: [experimentId],
      filter: `datasets.context = 'eval'`,
    });
    expect(byContext.items.map((r) => r.info.runId)).toEqual([r2.info.runId]);
  });

  it('stores artifacts with their sha256 and refuses paths that leave the store', async () => {
    const { runs, artifacts } = platform.tracking;
    const run = await runs.create({ experimentId: await newExperiment() });
    const stored = await artifacts.putForRun(
      run.info.runId,
      'model/weights.bin',
      new TextEncoder().encode('hello'),
    );
    expect(stored.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    const listing = await artifacts.listForRun(run.info.runId, 'model');
    expect(listing).toEqual([{ path: 'model/weights.bin', isDir: false, size: 5, sha256: stored.sha256 }]);
    await expect(
      artifacts.putForRun(run.info.runId, '../../escape.txt', new Uint8Array()),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(artifacts.get('/etc/passwd')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});
