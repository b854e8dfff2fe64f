import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { DomainEvents } from '../../src/core/events.js';
import type { Platform } from '../../src/platform.js';
import { readModelPackage } from '../../src/registry/model-package.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { classifierMetadata, modelWithVersions, trainedRun, unique } from './model-factories.js';

describeEachDialect('model registry store', (dialect) => {
  let platform: Platform;
  const clock = new ManualClock(Date.UTC(2026, 6, 1));
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(async () => platform.close());

  it('numbers versions 1, 2, 3 per model and never reuses a deleted number', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 2);
    const other = await modelWithVersions(platform, 1);
    expect((await registry.versions.get(other, 1)).version).toBe(1);
    await registry.versions.delete(name, 2);
    const { runId } = await trainedRun(platform);
    const next = await registry.versions.create({ name, runId, artifactPath: 'model' });
    expect(next.version).toBe(3);
    expect((await registry.models.get(name)).latestVersion).toBe(3);
  });

  it('gives concurrent registrations distinct consecutive numbers', async () => {
    const name = await modelWithVersions(platform, 0);
    const runs = await Promise.all([1, 2, 3, 4, 5].map(() => trainedRun(platform)));
    const created = await Promise.all(
      runs.map((r) => platform.registry.versions.create({ name, source: `runs:/${r.runId}/model` })),
    );
    expect(created.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('stores a version with its files, package format and lineage', async () => {
    const { runId } = await trainedRun(platform, { dirty: true });
    const name = unique('lineage');
    await platform.registry.models.create({ name, description: 'churn model' });
    const version = await platform.registry.versions.create({
      name,
      source: `runs:/${runId}/model`,
      description: 'first try',
      tags: [{ key: 'team', value: 'growth' }],
    });
    expect(version).toMatchObject({
      name,
      version: 1,
      status: 'READY',
      statusMessage: undefined,
      stage: 'None',
      format: 'mloop-model/v1',
      runId,
      source: `runs:/${runId}/model`,
      description: 'first try',
      tags: [{ key: 'team', value: 'growth' }],
      lineage: {
        runId,
        datasets: [{ name: 'churn-train', digest: 'd1g35t' }],
        git: { commit: 'a1b2c3d4e5f6', dirty: true },
        packages: { 'scikit-learn': '1.9.1', onnx: '1.23.2' },
      },
    });
    expect(version.metadata).toMatchObject({ task: 'classification', classLabels: ['stay', 'churn'] });
    const pkg = await readModelPackage(platform.artifactStore, version.storagePath);
    expect(pkg.metadata.inputs).toEqual(classifierMetadata.inputs);
  });

  it('moves an alias atomically and records who moved it, from where, to where and why', async () => {
    const { registry, events } = platform;
    const name = await modelWithVersions(platform, 3);
    const seen: Array<DomainEvents['registry.alias-moved']> = [];
    const off = events.on('registry.alias-moved', (e) => seen.push(e));
    try {
      const first = await registry.aliases.set(name, 'champion', 1);
      clock.advance(1000);
      const second = await registry.aliases.set(name, 'champion', 2, {
        actor: 'ana',
        reason: 'better AUC on March data',
      });
      expect(first).toMatchObject({
        alias: 'champion',
        fromVersion: undefined,
        toVersion: 1,
        actor: 'anonymous',
      });
      expect(second).toMatchObject({
        name,
        kind: 'alias',
        alias: 'champion',
        fromVersion: 1,
        toVersion: 2,
        actor: 'ana',
        reason: 'better AUC on March data',
        time: clock.now(),
      });
      expect(await registry.aliases.set(name, 'champion', 2)).toBeUndefined();
      expect(seen).toEqual([
        { name, alias: 'champion', toVersion: 1 },
        { name, alias: 'champion', fromVersion: 1, toVersion: 2 },
      ]);
    } finally {
      off();
    }
    expect((await registry.aliases.getVersion(name, 'champion')).version).toBe(2);
    expect((await registry.versions.get(name, 2)).aliases).toEqual(['champion']);
    expect((await registry.models.get(name)).aliases).toEqual([{ alias: 'champion', version: 2 }]);
    const history = await registry.aliases.history(name);
    expect(history.map((p) => [p.fromVersion, p.toVersion])).toEqual([
      [1, 2],
      [undefined, 1],
    ]);
  });

  it('serializes concurrent moves of one alias into an unbroken history', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 3);
    const targets = [1, 2, 3, 1, 2, 3, 2, 1];
    await Promise.all(targets.map((v) => registry.aliases.set(name, 'production', v)));
    const chain = (await registry.aliases.history(name)).reverse();
    for (let i = 1; i < chain.length; i += 1) expect(chain[i]?.fromVersion).toBe(chain[i - 1]?.toVersion);
    const current = await registry.aliases.getVersion(name, 'production');
    expect(chain.at(-1)?.toVersion).toBe(current.version);
  });

  it('removes the aliases of a deleted version but keeps its history', async () => {
    const { registry, events } = platform;
    const name = await modelWithVersions(platform, 2);
    await registry.aliases.set(name, 'champion', 2, { reason: 'launch' });
    await registry.aliases.set(name, 'challenger', 1);
    const removed: Array<DomainEvents['registry.alias-removed']> = [];
    const off = events.on('registry.alias-removed', (e) => removed.push(e));
    await registry.versions.delete(name, 2, { actor: 'ops' });
    off();
    expect(removed).toEqual([{ name, alias: 'champion', fromVersion: 2 }]);
    await expect(registry.versions.get(name, 2)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(registry.aliases.getVersion(name, 'champion')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    expect((await registry.models.get(name)).aliases).toEqual([{ alias: 'challenger', version: 1 }]);
    const history = await registry.aliases.history(name, { alias: 'champion' });
    expect(history).toMatchObject([
      { fromVersion: 2, toVersion: undefined, actor: 'ops', reason: 'version 2 deleted' },
      { fromVersion: undefined, toVersion: 2, reason: 'launch' },
    ]);
  });

  it('deletes a model with its versions; its history stays, found by name', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 1);
    await registry.aliases.set(name, 'champion', 1);
    await registry.models.delete(name);
    await expect(registry.models.get(name)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(registry.versions.get(name, 1)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    const history = await registry.aliases.history(name);
    expect(history.map((p) => [p.fromVersion, p.toVersion])).toEqual([
      [1, undefined],
      [undefined, 1],
    ]);
    await registry.models.create({ name });
    expect((await modelVersionsOf(platform, name)).length).toBe(0);
  });

  it('resolves NAME@ALIAS, NAME/VERSION and their models:/ forms to a version with its files', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 2);
    await registry.aliases.set(name, 'champion', 1);
    for (const [ref, version] of [
      [`${name}@champion`, 1],
      [`models:/${name}@champion`, 1],
      [`${name}/2`, 2],
      [`models:/${name}/2`, 2],
      [`${name}/latest`, 2],
    ] as const) {
      const resolved = await registry.resolve(ref);
      expect([ref, resolved.version]).toEqual([ref, version]);
      const pkg = await readModelPackage(platform.artifactStore, resolved.storagePath);
      expect(pkg.metadata.task).toBe('classification');
    }
    await expect(registry.resolve(`${name}@nobody`)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(registry.resolve(`${name}/9`)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(registry.resolve(name)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      field: 'ref',
    });
    await expect(registry.resolve('models:/m-0123abcd')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
  });

  it('answers an unknown alias in one sentence listing the aliases the model has', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 2);
    await expect(registry.resolve(`${name}@prod`)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      field: 'alias',
      message: `Alias 'prod' not found: model '${name}' has no aliases`,
    });
    await registry.aliases.set(name, 'staging', 2);
    await registry.aliases.set(name, 'champion', 1);
    await expect(registry.resolve(`${name}@prod`)).rejects.toMatchObject({
      message: `Alias 'prod' not found on model '${name}'; its aliases are: champion, staging`,
    });
  });

  it("registers an MLflow 3 logged model by id and by its run's path, and notes the registration", async () => {
    const { tracking, registry } = platform;
    const { experimentId, runId } = await trainedRun(platform);
    const logged = await tracking.loggedModels.create({ experimentId, name: 'clf', sourceRunId: runId });
    const root = logged.artifactLocation.replace('mlflow-artifacts:/', '');
    const modelDir = (await platform.tracking.artifacts.listForRun(runId, 'model')).map((f) => f.path);
    for (const path of modelDir) {
      const file = await tracking.artifacts.getForRun(runId, path);
      await tracking.artifacts.put(`${root}/${path.slice('model/'.length)}`, file.stream);
    }
    await tracking.loggedModels.finalize(logged.modelId, 'READY');
    const name = unique('logged');
    await registry.models.create({ name });
    const byId = await registry.versions.create({ name, source: `models:/${logged.modelId}` });
    expect(byId).toMatchObject({ loggedModelId: logged.modelId, runId, format: 'mloop-model/v1' });
    const byRunPath = await registry.versions.create({ name, source: `runs:/${runId}/clf` });
    // Each version holds its own copy of the logged model's files.
    expect(byRunPath).toMatchObject({ loggedModelId: logged.modelId, files: byId.files });
    expect(byRunPath.storagePath).not.toBe(byId.storagePath);
    const tag = (await tracking.loggedModels.get(logged.modelId)).tags.find(
      (t) => t.key === 'mlflow.modelVersions',
    );
    expect(JSON.parse(tag?.value ?? '[]')).toEqual([
      { name, version: '1' },
      { name, version: '2' },
    ]);
    const copy = await registry.versions.create({ name, source: `models:/${name}/1` });
    expect(copy).toMatchObject({
      source: `models:/${name}/1`,
      files: byId.files,
      loggedModelId: logged.modelId,
    });
  });

  it('registers an MLflow model it cannot convert to ONNX as READY, saying why', async () => {
    const mlmodel = 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n';
    const { runId } = await trainedRun(platform, {
      files: { MLmodel: mlmodel, 'model.pkl': 'pickle', 'requirements.txt': 'scikit-learn==1.9.1\n' },
    });
    const name = await modelWithVersions(platform, 0);
    const version = await platform.registry.versions.create({ name, source: `runs:/${runId}/model` });
    expect(version.status).toBe('READY');
    expect(version.format).toBeUndefined();
    // Its flavors stay listed (serving reads them); the conversion says why it was not made.
    expect(version.statusMessage).toMatch(
      /no onnx flavor \(flavors: sklearn\) and was not converted to ONNX: /,
    );
    expect(version.lineage.conversion).toMatchObject({ status: 'failed', flavor: 'sklearn' });
    expect(version.lineage.packages).toEqual({ 'scikit-learn': '1.9.1' });
  });

  it('registers a source whose files mloop does not hold as given, saying why it cannot be served', async () => {
    const { runId } = await trainedRun(platform);
    const name = await modelWithVersions(platform, 0);
    const create = (source: string, extra: { runId?: string } = {}) =>
      platform.registry.versions.create({ name, source, ...extra });
    const foreignRun = '0'.repeat(32);
    const registered = [
      await create(`runs:/${runId}/nothing-here`),
      await create('s3://bucket/model', { runId: foreignRun }),
      await create(`runs:/${foreignRun}/model`),
    ];
    expect(registered.map((v) => [v.version, v.source, v.runId, v.status, v.files])).toEqual([
      [1, `runs:/${runId}/nothing-here`, runId, 'READY', []],
      [2, 's3://bucket/model', foreignRun, 'READY', []],
      [3, `runs:/${foreignRun}/model`, foreignRun, 'READY', []],
    ]);
    for (const v of registered) expect(v.statusMessage).toMatch(/mloop holds no files to serve/);
    expect(registered[1]?.statusMessage).toMatch(/not at 's3:\/\/bucket\/model'/);
    expect(registered[2]?.lineage.runId).toBeUndefined();
    await expect(platform.registry.versions.readPackage(name, 2)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
  });

  it('refuses a registration naming an unknown model, or a run other than its source', async () => {
    const { runId } = await trainedRun(platform);
    const name = await modelWithVersions(platform, 0);
    await expect(
      platform.registry.versions.create({ name, source: `runs:/${runId}/model`, runId: 'f'.repeat(32) }),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field: 'run_id' });
    await expect(
      platform.registry.versions.create({ name: unique('missing'), source: `runs:/${runId}/model` }),
    ).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('searches, renames, describes and tags registered models', async () => {
    const { registry } = platform;
    const prefix = unique('search');
    await registry.models.create({ name: `${prefix}-a`, tags: [{ key: 'team', value: 'fraud' }] });
    await registry.models.create({ name: `${prefix}-b` });
    await expect(registry.models.create({ name: `${prefix}-b` })).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
    });
    const names = async (filter: string) =>
      (await registry.models.search({ filter })).items.map((m) => m.name);
    expect(await names(`name LIKE '${prefix}-%'`)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(await names(`name LIKE '${prefix}-%' and tags.team = 'fraud'`)).toEqual([`${prefix}-a`]);
    expect(await names(`name ILIKE '${prefix.toUpperCase()}-B'`)).toEqual([`${prefix}-b`]);
    const page = await registry.models.search({ filter: `name LIKE '${prefix}-%'`, maxResults: 1 });
    expect(page.items).toHaveLength(1);
    const rest = await registry.models.search({
      filter: `name LIKE '${prefix}-%'`,
      pageToken: page.nextPageToken,
    });
    expect(rest.items.map((m) => m.name)).toEqual([`${prefix}-b`]);
    await expect(registry.models.search({ filter: "owner = 'x'" })).rejects.toMatchObject({
      field: 'filter',
    });

    const name = await modelWithVersions(platform, 1);
    await registry.aliases.set(name, 'champion', 1);
    const renamed = await registry.models.rename(name, `${name}-v2`);
    expect(renamed.aliases).toEqual([{ alias: 'champion', version: 1 }]);
    expect((await registry.resolve(`${name}-v2@champion`)).name).toBe(`${name}-v2`);
    expect((await registry.aliases.history(`${name}-v2`)).length).toBe(1);
    await registry.models.updateDescription(`${name}-v2`, 'renamed');
    await registry.models.setTag(`${name}-v2`, { key: 'owner', value: 'ana' });
    await registry.models.deleteTag(`${name}-v2`, 'owner');
    expect(await registry.models.get(`${name}-v2`)).toMatchObject({ description: 'renamed', tags: [] });
    await expect(registry.models.rename(`${name}-v2`, `${prefix}-a`)).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
    });
  });

  it('searches versions by name, number, run and tag', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 3);
    await registry.versions.setTag(name, 2, { key: 'validated', value: 'yes' });
    await registry.versions.updateDescription(name, 3, 'newest');
    const versions = async (filter: string, orderBy?: string[]) =>
      (await registry.versions.search({ filter, orderBy })).items.map((v) => v.version);
    expect(await versions(`name = '${name}'`)).toEqual([3, 2, 1]);
    expect(await versions(`name = '${name}' and version_number >= 2`, ['version_number ASC'])).toEqual([
      2, 3,
    ]);
    expect(await versions(`name = '${name}' and tags.validated = 'yes'`)).toEqual([2]);
    const runId = (await registry.versions.get(name, 1)).runId ?? '';
    expect(await versions(`run_id IN ('${runId}')`)).toEqual([1]);
    expect((await registry.versions.get(name, 3)).description).toBe('newest');
  });

  it('rejects invalid names, aliases and versions naming the field', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 1);
    await expect(registry.models.create({ name: 'a/b' })).rejects.toMatchObject({ field: 'name' });
    await expect(registry.aliases.set(name, 'latest', 1)).rejects.toMatchObject({ field: 'alias' });
    await expect(registry.aliases.set(name, 'v2', 1)).rejects.toMatchObject({ field: 'alias' });
    await expect(registry.aliases.set(name, 'has space', 1)).rejects.toMatchObject({ field: 'alias' });
    await expect(registry.aliases.set(name, 'champion', 0)).rejects.toMatchObject({ field: 'version' });
    await expect(registry.aliases.set(name, 'champion', 7)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('records legacy stage transitions in the history', async () => {
    const { registry } = platform;
    const name = await modelWithVersions(platform, 2);
    await registry.aliases.transitionStage(name, 1, 'production', false);
    const moved = await registry.aliases.transitionStage(name, 2, 'Production', true, {
      reason: 'retrained',
    });
    expect(moved.stage).toBe('Production');
    expect((await registry.versions.get(name, 1)).stage).toBe('Archived');
    const history = await registry.aliases.history(name);
    expect(history.map((p) => [p.kind, p.alias, p.toVersion])).toEqual([
      ['stage', 'Production', 2],
      ['stage', 'Archived', 1],
      ['stage', 'Production', 1],
    ]);
  });
});

async function modelVersionsOf(platform: Platform, name: string) {
  return (await platform.registry.versions.search({ filter: `name = '${name}'` })).items;
}
