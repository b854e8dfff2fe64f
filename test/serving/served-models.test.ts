import { afterEach, beforeAll, expect, it } from 'vitest';
import { notFound } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import type { ModelPackage } from '../../src/registry/model-metadata.js';
import { ServedModels, type ModelSource, type ResolvedVersion } from '../../src/serving/served-models.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, type ModelName, type OnnxModels } from './onnx-models.js';

/** A registry stand-in: versions are model directories, aliases a map; counts reads. */
class FakeSource implements ModelSource {
  readonly aliases = new Map<string, number>();
  reads = 0;
  failing = new Set<number>();

  constructor(
    private readonly models: OnnxModels,
    private readonly versions: ModelName[],
  ) {}

  async resolve(ref: string): Promise<ResolvedVersion> {
    const [, name = '', alias, version] = /^([^@/]+)(?:@(.+)|\/(.+))$/.exec(ref) ?? [];
    const number =
      alias !== undefined
        ? this.aliases.get(alias)
        : version === 'latest'
          ? this.versions.length
          : Number(version);
    if (name !== 'iris' || number === undefined || !this.versions[number - 1]) throw notFound(`no ${ref}`);
    return { name, version: number, storagePath: this.versions[number - 1] as string };
  }

  async read(version: ResolvedVersion): Promise<ModelPackage> {
    this.reads += 1;
    if (this.failing.has(version.version)) throw new Error('disk on fire');
    return this.models.load(version.storagePath as ModelName);
  }
}

describeWithPython('ServedModels', () => {
  let models: OnnxModels;
  const closing: ServedModels[] = [];
  beforeAll(() => {
    models = makeOnnxModels();
  });
  afterEach(async () => {
    for (const s of closing.splice(0)) await s.close();
  });

  function setUp(refreshIntervalMs = 0, idleUnloadMs?: number) {
    const source = new FakeSource(models, ['columns-v1', 'columns-v2', 'columns-v3']);
    source.aliases.set('champion', 1);
    const events = new EventBus();
    const served = new ServedModels(source, events, { refreshIntervalMs, idleUnloadMs });
    closing.push(served);
    return { source, events, served };
  }

  it('loads a version once for concurrent first requests and for every reference naming it', async () => {
    const { source, served } = setUp();
    const leases = await Promise.all([
      served.acquire('iris@champion'),
      served.acquire('iris@champion'),
      served.acquire('iris/1'),
    ]);
    expect(source.reads).toBe(1);
    expect(new Set(leases.map((l) => l.model.runtime)).size).toBe(1);
    for (const lease of leases) lease.release();
    expect(served.loadedModels()).toEqual(['iris/1']);
  });

  it('swaps on an alias-moved event, leaving a held lease on the old model until released', async () => {
    const { source, events, served } = setUp();
    const old = await served.acquire('iris@champion');
    source.aliases.set('champion', 2);
    events.emit('registry.alias-moved', { name: 'iris', alias: 'champion', fromVersion: 1, toVersion: 2 });
    const deadline = Date.now() + 10_000;
    while (served.currentVersion('iris@champion') !== 2) {
      if (Date.now() > deadline) throw new Error('no swap');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // The request holding version 1 can still score on it.
    expect((await old.model.runtime.predict(models.expected.rows)).map((p) => p.label)).toEqual(
      models.expected.models['columns-v1'].labels,
    );
    expect(served.loadedModels()).toEqual(['iris/1', 'iris/2']);
    old.release();
    expect(served.loadedModels()).toEqual(['iris/2']);
    const lease = await served.acquire('iris@champion');
    expect(lease.model.version).toBe(2);
    lease.release();
  });

  it('does not follow an alias without an event or polling, and follows it with polling', async () => {
    const quiet = setUp(0);
    (await quiet.served.acquire('iris@champion')).release();
    quiet.source.aliases.set('champion', 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(quiet.served.currentVersion('iris@champion')).toBe(1);

    const polling = setUp(10);
    (await polling.served.acquire('iris@champion')).release();
    polling.source.aliases.set('champion', 3);
    const deadline = Date.now() + 10_000;
    while (polling.served.currentVersion('iris@champion') !== 3) {
      if (Date.now() > deadline) throw new Error('no swap by polling');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  it('keeps the old version when the new one fails to load, and does not retry it', async () => {
    const { source, served } = setUp();
    (await served.acquire('iris@champion')).release();
    source.failing.add(2);
    source.aliases.set('champion', 2);
    await served.refreshAll();
    await served.refreshAll();
    expect(served.currentVersion('iris@champion')).toBe(1);
    expect(source.reads).toBe(2);
    expect(served.loadedModels()).toEqual(['iris/1']);
  });

  it('fails a first request whose model cannot load with INVALID_STATE, and tries again next time', async () => {
    const { source, served } = setUp();
    source.failing.add(1);
    await expect(served.acquire('iris/1')).rejects.toMatchObject({ code: 'INVALID_STATE', status: 400 });
    source.failing.clear();
    const lease = await served.acquire('iris/1');
    expect(lease.model.version).toBe(1);
    lease.release();
  });

  it('serves a bare name from its champion, else its newest version', async () => {
    const { source, served } = setUp();
    expect(await served.acquire('iris').then((l) => (l.release(), l.model.version))).toBe(1);
    source.aliases.delete('champion');
    await served.refreshAll();
    expect(served.currentVersion('iris')).toBe(3);
  });

  it('releases a model no request used for the idle time, and loads it again when asked', async () => {
    const { source, served } = setUp(10, 30);
    (await served.acquire('iris/2')).release();
    const held = await served.acquire('iris@champion');
    const deadline = Date.now() + 10_000;
    while (served.currentVersion('iris/2') !== undefined) {
      if (Date.now() > deadline) throw new Error('not unloaded');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // A lease outlives the idle unbinding of its reference.
    expect(served.loadedModels()).toEqual(['iris/1']);
    expect((await held.model.runtime.predict(models.expected.rows)).length).toBe(models.expected.rows.length);
    held.release();
    const again = await served.acquire('iris/2');
    expect(again.model.version).toBe(2);
    expect(source.reads).toBe(3);
    again.release();
  });

  it('refuses new leases once closed', async () => {
    const { served } = setUp();
    await served.close();
    await expect(served.acquire('iris@champion')).rejects.toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' });
  });
});
