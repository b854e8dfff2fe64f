import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { collectArtifactGarbage } from '../../src/operations/artifact-gc.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { walkFiles } from '../../src/store/artifacts/copy-artifacts.js';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import { smallCsv, writeText } from '../data/dataset-files.js';
import { runMloop } from '../helpers/cli.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { describeWithS3, startS3Server, type S3Server } from '../helpers/s3-server.js';
import { tempDir } from '../helpers/tmp.js';
import { trainedRun, unique } from '../registry/model-factories.js';

async function paths(store: ArtifactStore, dir = ''): Promise<string[]> {
  const result: string[] = [];
  for await (const file of walkFiles(store, dir)) result.push(file.path);
  return result;
}

/**
 * Garbage of every kind beside live files: a deleted run, a deleted experiment, files left by an
 * interrupted registration; and a registered version whose run was deleted, and a dataset version.
 */
async function garbageAndLiveFiles(platform: Platform) {
  const { runs, experiments, artifacts } = platform.tracking;
  const deletedRun = await trainedRun(platform);
  await runs.delete(deletedRun.runId);
  const deletedExperiment = await trainedRun(platform);
  await experiments.delete(deletedExperiment.experimentId);
  const kept = await trainedRun(platform);
  await artifacts.putForRun(kept.runId, 'notes.txt', Buffer.from('kept'));
  const name = unique('model');
  await platform.registry.models.create({ name });
  const registeredFrom = await trainedRun(platform);
  const version = await platform.registry.versions.create({
    name,
    source: `runs:/${registeredFrom.runId}/model`,
  });
  await runs.delete(registeredFrom.runId);
  const interrupted = `${version.storagePath.split('/').slice(0, 2).join('/')}/files_interrupted`;
  await platform.artifactStore.put(`${interrupted}/model.onnx`, Buffer.alloc(1000, 1));
  const dataset = await platform.data.datasets.add(
    unique('people'),
    writeText(tempDir('gc-'), 'a.csv', smallCsv),
  );
  return {
    garbage: {
      deletedRun: await artifacts.runRoot(deletedRun.runId),
      deletedExperiment: deletedExperiment.experimentId,
      registeredFrom: await artifacts.runRoot(registeredFrom.runId),
      interrupted,
    },
    live: {
      run: await artifacts.runRoot(kept.runId),
      version: { name, version: version.version, storagePath: version.storagePath },
      dataset: dataset.version.storagePath,
    },
  };
}

describeEachDialect('mloop gc', (dialect) => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
  });
  afterAll(() => platform.close());

  const gc = (dryRun: boolean, graceMs = 0) =>
    collectArtifactGarbage(
      {
        database: platform.database,
        store: platform.artifactStore,
        artifacts: platform.tracking.artifacts,
        clock: platform.clock,
      },
      { dryRun, graceMs },
    );

  it('removes deleted runs’ and experiments’ files and unreferenced registry files, never a live version’s', async () => {
    const { garbage, live } = await garbageAndLiveFiles(platform);
    const store = platform.artifactStore;
    const before = await paths(store);

    const dry = await gc(true);
    expect(dry.removed.map((i) => [i.path, i.reason]).sort()).toEqual(
      [
        [garbage.deletedExperiment, 'deleted-experiment'],
        [garbage.deletedRun, 'deleted-run'],
        [garbage.registeredFrom, 'deleted-run'],
        [garbage.interrupted, 'unreferenced-model-files'],
      ].sort(),
    );
    const garbageFiles = before.filter((p) => Object.values(garbage).some((g) => p.startsWith(`${g}/`)));
    expect(dry.files).toBe(garbageFiles.length);
    expect(dry.bytesFreed).toBeGreaterThan(1000);
    expect(await paths(store)).toEqual(before);

    const done = await gc(false);
    expect(done).toMatchObject({ dryRun: false, files: dry.files, bytesFreed: dry.bytesFreed });
    expect((await paths(store)).sort()).toEqual(before.filter((p) => !garbageFiles.includes(p)).sort());
    expect(await paths(store, live.run)).toHaveLength(3);
    expect(await paths(store, live.dataset)).toHaveLength(1);
    // The version still serves: its own copy stayed although its run's files went.
    const scored = await platform.serving.predictions.predict({
      ref: `${live.version.name}/${live.version.version}`,
      records: [{ a: 1, b: 2 }],
    });
    expect(scored.predictions).toHaveLength(1);
    expect((await gc(false)).removed).toEqual([]);
  });

  it('leaves unreferenced files younger than the grace period: a registration may be writing them', async () => {
    const path = 'registry/rm_in_progress/files_1';
    await platform.artifactStore.put(`${path}/model.onnx`, Buffer.from('being copied'));
    const report = await gc(false, 60 * 60_000);
    expect(report.kept).toContainEqual({ path, reason: expect.stringMatching(/grace period/) });
    expect(await paths(platform.artifactStore, path)).toHaveLength(1);
  });
});

describeWithS3('mloop gc on S3', () => {
  let s3: S3Server;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3Server();
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await s3?.stop();
  });

  it('frees the bucket’s garbage from the command line, --dry-run first', async () => {
    const home = tempDir('mloop-gc-s3-');
    const root = await s3.newRoot('mloop');
    Object.assign(process.env, s3.env, { MLOOP_ARTIFACT_ROOT: root });
    // The embedded store of `home`, with its artifacts in the bucket: what the CLI below opens.
    const platform = await openPlatform(loadConfig({ home, artifactRoot: root, s3ForcePathStyle: true }, {}));
    let garbage: Awaited<ReturnType<typeof garbageAndLiveFiles>>['garbage'];
    try {
      ({ garbage } = await garbageAndLiveFiles(platform));
    } finally {
      await platform.close();
    }
    const bucket = await openArtifactStore(root, { s3ForcePathStyle: true });
    const before = await paths(bucket);

    const dry = await runMloop(home, ['gc', '--dry-run', '--grace', '0', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as { removed: Array<{ path: string }>; bytesFreed: number };
    expect(planned.removed.map((i) => i.path).sort()).toEqual(Object.values(garbage).sort());
    expect(await paths(bucket)).toEqual(before);

    const done = await runMloop(home, ['gc', '--grace', '0']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/removed 4 directories, \d+ files: .* freed/);
    const after = await paths(bucket);
    expect(after.some((p) => Object.values(garbage).some((g) => p.startsWith(`${g}/`)))).toBe(false);
    expect(after.length).toBeGreaterThan(0);
  });
});
