import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { remoteModelSource } from '../../src/cli/backends/remote-model-source.js';
import type { DomainEvents } from '../../src/core/events.js';
import type { Platform } from '../../src/platform.js';
import { scoreFile } from '../../src/serving/batch/batch-scoring.js';
import { registryModelSource } from '../../src/serving/registry-source.js';
import { scorableVersions } from '../../src/serving/scorable-versions.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { classifierMetadata, trainedRun, unique } from './model-factories.js';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

describeEachDialect('registered version files', (dialect) => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
  });
  afterAll(async () => platform.close());

  async function registered(): Promise<{ name: string; runId: string; storagePath: string }> {
    const { runId } = await trainedRun(platform);
    const name = unique('integrity');
    await platform.registry.models.create({ name });
    const version = await platform.registry.versions.create({ name, source: `runs:/${runId}/model` });
    return { name, runId, storagePath: version.storagePath };
  }

  /** Changes a file the way someone with the disk would, below every API. */
  function overwriteOnDisk(storagePath: string, file: string, bytes: Uint8Array | string): void {
    writeFileSync(join(platform.config.artifactRoot, ...storagePath.split('/'), file), bytes);
  }

  it("copies a version's files into the registry's storage and records each file's sha256", async () => {
    const { name, runId } = await registered();
    const version = await platform.registry.versions.get(name, 1);
    const runRoot = await platform.tracking.artifacts.runRoot(runId);
    expect(version.storagePath).toMatch(/^registry\//);
    expect(version.storagePath.startsWith(runRoot)).toBe(false);
    expect(version.files).toEqual([
      {
        path: 'mloop-model.json',
        size: JSON.stringify(classifierMetadata).length,
        sha256: sha256(JSON.stringify(classifierMetadata)),
      },
      { path: 'model.onnx', size: columnsClassifierOnnx().length, sha256: sha256(columnsClassifierOnnx()) },
    ]);
  });

  it("serves the registered bytes after the run's own files are overwritten", async () => {
    const { name, runId } = await registered();
    await platform.tracking.artifacts.putForRun(runId, 'model/model.onnx', Buffer.from('not a model'));
    const pkg = await platform.registry.versions.readPackage(name, 1);
    expect(pkg.sha256).toBe(sha256(columnsClassifierOnnx()));
  });

  it('refuses to load a version whose file changed on disk, naming the file and both hashes', async () => {
    const { name, storagePath } = await registered();
    const seen: Array<DomainEvents['registry.files-tampered']> = [];
    const off = platform.events.on('registry.files-tampered', (e) => seen.push(e));
    try {
      overwriteOnDisk(storagePath, 'model.onnx', 'swapped');
      const refused = {
        code: 'INVALID_STATE',
        message: `Model ${name} version 1 refused: its file 'model.onnx' has sha256 ${sha256('swapped')}, but ${sha256(columnsClassifierOnnx())} was registered. The files changed since registration; register the model again to serve new files`,
      };
      await expect(platform.registry.versions.readPackage(name, 1)).rejects.toMatchObject(refused);
      // Online serving, evaluation gates and batch scoring all load through the same check.
      await expect(
        platform.serving.predictions.predict({ ref: `${name}/1`, records: [{ a: 1, b: 2 }] }),
      ).rejects.toMatchObject(refused);
      await expect(scorableVersions(platform.registry)(name, 1)).rejects.toMatchObject(refused);
      const dir = tempDir('mloop-integrity-batch-');
      writeFileSync(join(dir, 'in.csv'), 'a,b\n1,2\n');
      await expect(
        scoreFile(registryModelSource(platform.registry), {
          ref: `${name}/1`,
          input: join(dir, 'in.csv'),
          output: join(dir, 'out.csv'),
        }),
      ).rejects.toMatchObject(refused);
      expect(seen[0]).toEqual({
        name,
        version: 1,
        path: 'model.onnx',
        expected: sha256(columnsClassifierOnnx()),
        actual: sha256('swapped'),
      });
    } finally {
      off();
    }
  });

  it('holds files a client downloads from the server (mloop predict --url) to the same record', async () => {
    const { name, storagePath } = await registered();
    const app = await buildServer(platform, { logger: false });
    try {
      const source = remoteModelSource(await app.listen({ host: '127.0.0.1', port: 0 }));
      const version = await source.resolve(`${name}/1`);
      expect((await source.read(version)).sha256).toBe(sha256(columnsClassifierOnnx()));
      overwriteOnDisk(storagePath, 'model.onnx', 'swapped');
      await expect(source.read(version)).rejects.toMatchObject({
        code: 'INVALID_STATE',
        message: expect.stringContaining(
          `its file 'model.onnx' has sha256 ${sha256('swapped')}, but ${sha256(columnsClassifierOnnx())} was registered`,
        ) as unknown,
      });
    } finally {
      await app.close();
    }
  });

  it('refuses a version with a file added after registration, or one removed', async () => {
    const added = await registered();
    overwriteOnDisk(added.storagePath, 'MLmodel', 'flavors: {}\n');
    await expect(platform.registry.versions.readPackage(added.name, 1)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining("its file 'MLmodel' was added after registration") as unknown,
    });
    const removed = await registered();
    await platform.artifactStore.delete(`${removed.storagePath}/mloop-model.json`);
    await expect(platform.registry.versions.readPackage(removed.name, 1)).rejects.toMatchObject({
      message: expect.stringContaining("its file 'mloop-model.json' is missing") as unknown,
    });
  });

  it("deletes the registry's copy with the version or model, and refuses the artifact API any write there", async () => {
    const { name, storagePath } = await registered();
    await expect(
      platform.tracking.artifacts.put(`${storagePath}/model.onnx`, Buffer.from('x')),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(platform.tracking.artifacts.delete(storagePath)).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    // An experiment whose artifact location points into the registry's storage gets no further.
    const experimentId = await platform.tracking.experiments.create({
      name: unique('squatter'),
      artifactLocation: `mlflow-artifacts:/${storagePath}`,
    });
    const run = await platform.tracking.runs.create({ experimentId });
    await expect(
      platform.tracking.artifacts.putForRun(run.info.runId, 'model.onnx', Buffer.from('x')),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await platform.registry.versions.delete(name, 1);
    expect(await platform.artifactStore.list(storagePath)).toEqual([]);
    const kept = await registered();
    await platform.registry.models.delete(kept.name);
    expect(await platform.artifactStore.list(kept.storagePath.replace(/\/[^/]+$/, ''))).toEqual([]);
  });
});
