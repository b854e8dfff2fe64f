import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactStore } from './artifact-store.js';

/** A file of a store, by store-relative path. */
export interface StoreFile {
  path: string;
  size: number;
  modifiedAt: number | undefined;
}

export interface CopyReport {
  /** Files in the source. */
  files: number;
  /** Files written to the target by this copy. */
  copied: number;
  /** Files the target already held with the same sha256 (an earlier, interrupted copy). */
  skipped: number;
  /** Bytes written to the target by this copy. */
  bytesCopied: number;
  /** Bytes in the source. */
  bytes: number;
  /** Files whose copy, read back, differs from the source (each named with both sha256). */
  mismatched: Array<{ path: string; source: string; target: string | undefined }>;
}

/** Every file under `dir` (the whole store by default), depth first, in listing order. */
export async function* walkFiles(store: ArtifactStore, dir = ''): AsyncGenerator<StoreFile> {
  for (const entry of await store.list(dir)) {
    if (entry.isDir) yield* walkFiles(store, entry.path);
    else yield { path: entry.path, size: entry.size ?? 0, modifiedAt: entry.modifiedAt };
  }
}

/** sha256 of a stored file, read as a stream; undefined when there is no such file. */
export async function storedSha256(store: ArtifactStore, path: string): Promise<string | undefined> {
  const file = await store.get(path);
  if (!file) return undefined;
  return sha256OfStream(file.stream);
}

async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Copies every file of `from` to the same path in `to`, then reads each copy back and compares
 * its sha256 with the source's, so a copy is verified on the target's side, not by what was sent.
 * Resumable: a file the target already holds with the source's sha256 is not sent again, so a
 * copy interrupted half way is finished by running it again.
 */
export async function copyArtifacts(
  from: ArtifactStore,
  to: ArtifactStore,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<CopyReport> {
  // Listed first so progress has a total (a listing is cheap next to the bytes).
  const files: StoreFile[] = [];
  for await (const file of walkFiles(from)) files.push(file);
  const report: CopyReport = {
    files: files.length,
    copied: 0,
    skipped: 0,
    bytesCopied: 0,
    bytes: files.reduce((n, f) => n + f.size, 0),
    mismatched: [],
  };
  const total = report.bytes;
  let done = 0;
  onProgress(done, total);
  for (const file of files) {
    const source = await storedSha256(from, file.path);
    if (source === undefined) continue; // deleted since the listing
    const existing = await storedSha256(to, file.path);
    if (existing === source) {
      report.skipped += 1;
    } else {
      const body = await from.get(file.path);
      if (!body) continue;
      await to.put(file.path, body.stream);
      const written = await storedSha256(to, file.path);
      if (written !== source) report.mismatched.push({ path: file.path, source, target: written });
      report.copied += 1;
      report.bytesCopied += file.size;
    }
    done += file.size;
    onProgress(done, total);
  }
  return report;
}
