import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import { describeWithS3, startS3Server, type S3Server } from '../helpers/s3-server.js';
import { tempDir } from '../helpers/tmp.js';

async function readAll(store: ArtifactStore, path: string): Promise<Buffer | undefined> {
  const file = await store.get(path);
  if (!file) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The behaviour every artifact store owes its callers, run against each kind of store. */
function storeSuite(open: () => Promise<ArtifactStore>): void {
  let store: ArtifactStore;
  beforeAll(async () => {
    store = await open();
  });

  it('writes a file and reads back its bytes, size and sha256', async () => {
    const bytes = Buffer.from('hello artifacts');
    const stored = await store.put('runs/r1/notes.txt', bytes);
    expect(stored).toEqual({ path: 'runs/r1/notes.txt', size: bytes.length, sha256: sha256(bytes) });
    const file = await store.get('runs/r1/notes.txt');
    expect(file?.size).toBe(bytes.length);
    expect(await readAll(store, 'runs/r1/notes.txt')).toEqual(bytes);
  });

  it('streams a file larger than one upload part and hashes every byte', async () => {
    // 12 MiB in 1 MiB chunks: more than two S3 multipart parts, never one buffer.
    const chunk = Buffer.alloc(1024 * 1024);
    const hash = createHash('sha256');
    const chunks = Array.from({ length: 12 }, (_, i) => {
      const part = Buffer.from(chunk.fill(i + 1));
      hash.update(part);
      return part;
    });
    const stored = await store.put('big/model.bin', Readable.from(chunks));
    expect(stored.size).toBe(12 * 1024 * 1024);
    expect(stored.sha256).toBe(hash.digest('hex'));
    const back = await readAll(store, 'big/model.bin');
    expect(back && sha256(back)).toBe(stored.sha256);
  });

  it('stores an empty file', async () => {
    expect((await store.put('empty/none.txt', new Uint8Array())).size).toBe(0);
    expect(await readAll(store, 'empty/none.txt')).toEqual(Buffer.alloc(0));
  });

  it('answers undefined for a missing file and for a directory', async () => {
    expect(await store.get('runs/r1/absent.txt')).toBeUndefined();
    expect(await store.get('runs/r1')).toBeUndefined();
  });

  it('lists the direct children of a directory, files with sizes and subdirectories', async () => {
    await store.put('listing/a.txt', Buffer.from('a'));
    await store.put('listing/sub/b.txt', Buffer.from('bb'));
    await store.put('listing/sub/deeper/c.txt', Buffer.from('ccc'));
    expect(await store.list('listing')).toEqual([
      { path: 'listing/a.txt', isDir: false, size: 1, modifiedAt: expect.any(Number) },
      { path: 'listing/sub', isDir: true, size: undefined },
    ]);
    expect(await store.list('listing/sub')).toEqual([
      { path: 'listing/sub/b.txt', isDir: false, size: 2, modifiedAt: expect.any(Number) },
      { path: 'listing/sub/deeper', isDir: true, size: undefined },
    ]);
    expect(await store.list('no/such/dir')).toEqual([]);
  });

  it('does not mistake a sibling sharing a name prefix for a child', async () => {
    await store.put('pre/x.txt', Buffer.from('x'));
    await store.put('prefix/y.txt', Buffer.from('y'));
    expect((await store.list('pre')).map((e) => e.path)).toEqual(['pre/x.txt']);
    await store.delete('pre');
    expect(await readAll(store, 'prefix/y.txt')).toEqual(Buffer.from('y'));
  });

  it('deletes a whole directory and a single file', async () => {
    await store.put('gone/one.txt', Buffer.from('1'));
    await store.put('gone/two/three.txt', Buffer.from('3'));
    await store.put('kept.txt', Buffer.from('k'));
    await store.delete('gone/one.txt');
    expect(await store.get('gone/one.txt')).toBeUndefined();
    await store.delete('gone');
    expect(await store.list('gone')).toEqual([]);
    expect(await readAll(store, 'kept.txt')).toEqual(Buffer.from('k'));
  });

  it('overwrites a file in place', async () => {
    await store.put('over/f.txt', Buffer.from('first'));
    await store.put('over/f.txt', Buffer.from('second'));
    expect(await readAll(store, 'over/f.txt')).toEqual(Buffer.from('second'));
  });

  it('refuses paths that would leave the store', async () => {
    await expect(store.put('../outside.txt', Buffer.from('x'))).rejects.toThrow(/\.\./);
    await expect(store.get('a/../../outside.txt')).rejects.toThrow(/\.\./);
    await expect(store.list('/etc')).rejects.toThrow(/relative/);
    await expect(store.delete('..')).rejects.toThrow(/\.\./);
  });
}

describe('local directory artifact store', () => {
  storeSuite(async () => openArtifactStore(tempDir(), { s3ForcePathStyle: false }));
});

describeWithS3('S3 artifact store (S3-compatible server process)', () => {
  let server: S3Server;
  beforeAll(async () => {
    server = await startS3Server();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  storeSuite(async () => server.openStore('some/prefix'));

  it('lists past one page of keys (S3 answers at most 1000 a request)', async () => {
    const store = await server.openStore('paged');
    const names = Array.from({ length: 1005 }, (_, i) => `many/f${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((n) => store.put(n, Buffer.from('.'))));
    }
    const listed = await store.list('many');
    expect(listed.map((e) => e.path)).toEqual(names);
    await store.delete('many');
    expect(await store.list('many')).toEqual([]);
  }, 120_000);

  it('keeps a store inside its prefix: another prefix of the same bucket is not visible', async () => {
    const root = await server.newRoot('one');
    const env = { ...process.env, ...server.env };
    const one = await openArtifactStore(root, { s3ForcePathStyle: true }, env);
    const two = await openArtifactStore(root.replace(/one$/, 'two'), { s3ForcePathStyle: true }, env);
    await one.put('shared/name.txt', Buffer.from('one'));
    expect(await two.get('shared/name.txt')).toBeUndefined();
    expect(await two.list('')).toEqual([]);
    expect(await one.list('')).toEqual([{ path: 'shared', isDir: true, size: undefined }]);
  });
});
