import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidParameter } from '../../core/errors.js';
import type { ArtifactEntry, ArtifactStore, StoredArtifact } from './artifact-store.js';
import { normalizeArtifactPath } from './artifact-path.js';

/** Artifacts as files under one root directory: the embedded default. */
export class LocalArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(path: string, body: Readable | Uint8Array): Promise<StoredArtifact> {
    const target = this.resolveInside(path);
    await mkdir(dirname(target), { recursive: true });
    // Write beside the target and rename: a reader never sees half a file, even after a crash.
    const temp = `${target}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
    try {
      await pipeline(source, meter, createWriteStream(temp));
      const handle = await open(temp, 'r+');
      await handle.sync();
      await handle.close();
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { path: normalizeArtifactPath(path), size, sha256: hash.digest('hex') };
  }

  async get(path: string): Promise<{ stream: Readable; size: number } | undefined> {
    const target = this.resolveInside(path);
    const info = await stat(target).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return { stream: createReadStream(target), size: info.size };
  }

  async list(dir: string): Promise<ArtifactEntry[]> {
    const target = this.resolveInside(dir);
    const entries = await readdir(target, { withFileTypes: true }).catch(() => []);
    const result: ArtifactEntry[] = [];
    for (const entry of entries) {
      if (entry.name.endsWith('.partial')) continue;
      const full = join(target, entry.name);
      const isDir = entry.isDirectory();
      const info = isDir ? undefined : await stat(full);
      const path = relative(this.root, full).split(sep).join('/');
      result.push(
        info ? { path, isDir, size: info.size, modifiedAt: info.mtimeMs } : { path, isDir, size: undefined },
      );
    }
    return result.sort((a, b) => a.path.localeCompare(b.path));
  }

  async delete(path: string): Promise<void> {
    await rm(this.resolveInside(path), { recursive: true, force: true });
  }

  /** Maps a relative artifact path to a file under the root, refusing any escape. */
  private resolveInside(path: string): string {
    const normalized = normalizeArtifactPath(path);
    const target = resolve(this.root, normalized);
    if (target !== this.root && !target.startsWith(this.root + sep)) {
      throw invalidParameter('path', `artifact path "${path}" leaves the artifact store`);
    }
    return target;
  }
}
