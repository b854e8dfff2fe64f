import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/hashing.js';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';
import { copyArtifacts, storedSha256, walkFiles } from '../../src/store/artifacts/copy-artifacts.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import { runMloop } from '../helpers/cli.js';
import { describeWithS3, startS3Server, type S3Server } from '../helpers/s3-server.js';
import { tempDir } from '../helpers/tmp.js';

/** A directory laid out like an artifact root: run artifacts, a registered version, a dataset. */
function artifactDir(): { dir: string; files: Record<string, Buffer> } {
  const dir = tempDir('mloop-migrate-from-');
  const files: Record<string, Buffer> = {
    '1/abc/artifacts/model/model.onnx': Buffer.alloc(300_000, 7),
    '1/abc/artifacts/notes.txt': Buffer.from('hello'),
    'registry/rm_1/files_1/model.onnx': Buffer.from('registered'),
    'datasets/people/d1g35t/a.csv': Buffer.from('id\n1\n'),
  };
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return { dir, files };
}

async function contents(store: ArtifactStore): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for await (const file of walkFiles(store)) result[file.path] = (await storedSha256(store, file.path))!;
  return result;
}

describeWithS3('mloop migrate-artifacts', () => {
  let s3: S3Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server();
    // The CLI child process inherits these, as an operator's shell would hold them.
    Object.assign(process.env, s3.env);
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await s3?.stop();
  });

  it('copies a directory into a bucket, verified file by file, and resumes after an interruption', async () => {
    const { dir, files } = artifactDir();
    const to = await s3.newRoot('mloop');
    const first = await runMloop(dir, ['migrate-artifacts', '--from', dir, '--to', to, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const bytes = Object.values(files).reduce((n, b) => n + b.length, 0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      files: 4,
      copied: 4,
      skipped: 0,
      bytes,
      mismatched: [],
    });
    const bucket = await openArtifactStore(to, { s3ForcePathStyle: true });
    const expected = Object.fromEntries(Object.entries(files).map(([path, body]) => [path, sha256Hex(body)]));
    expect(await contents(bucket)).toEqual(expected);

    // An interrupted copy: one object missing, one truncated. Running again sends only those two.
    await bucket.delete('1/abc/artifacts/notes.txt');
    await bucket.put('1/abc/artifacts/model/model.onnx', Buffer.alloc(10, 7));
    const again = await runMloop(dir, ['migrate-artifacts', '--from', dir, '--to', to, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: 4, copied: 2, skipped: 2, mismatched: [] });
    expect(await contents(bucket)).toEqual(expected);
  });

  it('says what it did in words, and exits 3 for a source directory that does not exist', async () => {
    const { dir } = artifactDir();
    const to = await s3.newRoot('words');
    const done = await runMloop(dir, ['migrate-artifacts', '--from', dir, '--to', to]);
    expect(done.stdout).toMatch(/^4 files \(.*\): 4 copied .*, 0 already there; 4 verified by sha256/);
    const missing = await runMloop(dir, ['migrate-artifacts', '--from', join(dir, 'nope'), '--to', to]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});

it('reports a copy whose bytes, read back from the target, differ from the source', async () => {
  const { dir } = artifactDir();
  const target = new LocalArtifactStore(tempDir('mloop-migrate-to-'));
  // A target that loses the end of one file on the way (a proxy cutting a body short, say).
  const lossy: ArtifactStore = {
    ...target,
    list: (d) => target.list(d),
    get: (p) => target.get(p),
    delete: (p) => target.delete(p),
    put: async (path: string, body: Readable | Uint8Array) => {
      if (path !== '1/abc/artifacts/notes.txt') return target.put(path, body);
      for await (const chunk of body as Readable) void chunk;
      return target.put(path, Buffer.from('hel'));
    },
  };
  const report = await copyArtifacts(new LocalArtifactStore(dir), lossy);
  expect(report.mismatched).toEqual([
    { path: '1/abc/artifacts/notes.txt', source: sha256Hex('hello'), target: sha256Hex('hel') },
  ]);
  expect(report.copied).toBe(4);
});
