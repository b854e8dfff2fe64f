import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MloopError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { joinArtifactPath } from '../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';

/** One file of a registered version, as it was when the version was registered. */
export interface ModelFile {
  /** Relative to the version's directory. */
  path: string;
  size: number;
  sha256: string;
}

/** A version's file that no longer matches what was registered. */
export interface FileMismatch {
  path: string;
  expected: string;
  /** The file's sha256 now; `missing` when it is gone, `unregistered` for a file added since. */
  actual: string;
}

/**
 * Whether mloop holds the version's files: false for a version registered from a source it does
 * not store (another store's URI, a run it never saw), which is recorded as given.
 */
export function holdsFiles(version: { files: readonly ModelFile[] | undefined }): boolean {
  // Versions from before file records were kept (undefined) were always copies mloop holds.
  return version.files === undefined || version.files.length > 0;
}

/**
 * Copies every file under `from` (subdirectories too) to `to`, both store-relative, and returns
 * each copied file with the size and sha256 the store measured while writing it: the record
 * that serving later checks the files against.
 */
export async function copyModelFiles(store: ArtifactStore, from: string, to: string): Promise<ModelFile[]> {
  const files: ModelFile[] = [];
  for (const path of await listFiles(store, from)) {
    const file = await store.get(joinArtifactPath(from, path));
    if (!file) continue; // removed while copying: the package check of the copy then says what is missing
    const stored = await store.put(joinArtifactPath(to, path), file.stream);
    files.push({ path, size: stored.size, sha256: stored.sha256 });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The first difference between the files under `dir` and the registered record: a file changed,
 * removed, or added since registration (an added `mloop-model.json` would change what is served
 * as surely as a changed `model.onnx`). Undefined when they match.
 */
export async function findFileMismatch(
  store: ArtifactStore,
  dir: string,
  registered: readonly ModelFile[],
): Promise<FileMismatch | undefined> {
  const present = new Set(await listFiles(store, dir));
  for (const expected of registered) {
    const file = present.has(expected.path)
      ? await store.get(joinArtifactPath(dir, expected.path))
      : undefined;
    if (!file) return { path: expected.path, expected: expected.sha256, actual: 'missing' };
    const actual = await sha256Of(file.stream);
    if (actual !== expected.sha256) return { path: expected.path, expected: expected.sha256, actual };
    present.delete(expected.path);
  }
  const [added] = [...present].sort();
  return added === undefined ? undefined : { path: added, expected: 'none', actual: 'unregistered' };
}

/**
 * Checks a version's files against its registered record before it is loaded: on a difference,
 * emits `registry.files-tampered` (audited and alerted on by later domains) and fails naming the
 * file, the registered sha256 and the one found. Versions registered before records were kept
 * have nothing to check against.
 */
export async function checkVersionFiles(
  store: ArtifactStore,
  events: EventBus,
  version: { name: string; version: number; storagePath: string; files: readonly ModelFile[] | undefined },
): Promise<void> {
  if (!version.files) return;
  const mismatch = await findFileMismatch(store, version.storagePath, version.files);
  if (!mismatch) return;
  events.emit('registry.files-tampered', { name: version.name, version: version.version, ...mismatch });
  throw filesTamperedError(version.name, version.version, mismatch);
}

/** The first difference between a version's top-level files as downloaded and as registered. */
export function downloadMismatch(
  registered: readonly ModelFile[],
  downloaded: ReadonlyMap<string, string>,
): FileMismatch | undefined {
  const topLevel = registered.filter((f) => !f.path.includes('/'));
  for (const expected of topLevel) {
    const actual = downloaded.get(expected.path) ?? 'missing';
    if (actual !== expected.sha256) return { path: expected.path, expected: expected.sha256, actual };
  }
  const added = [...downloaded.keys()].sort().find((path) => !topLevel.some((f) => f.path === path));
  return added === undefined ? undefined : { path: added, expected: 'none', actual: 'unregistered' };
}

/** The error a load fails with when a version's files are not the registered ones. */
export function filesTamperedError(name: string, version: number, mismatch: FileMismatch): MloopError {
  const what =
    mismatch.actual === 'missing'
      ? `is missing (registered sha256 ${mismatch.expected})`
      : mismatch.actual === 'unregistered'
        ? 'was added after registration'
        : `has sha256 ${mismatch.actual}, but ${mismatch.expected} was registered`;
  return new MloopError(
    'INVALID_STATE',
    `Model ${name} version ${version} refused: its file '${mismatch.path}' ${what}. The files changed since registration; register the model again to serve new files`,
  );
}

/** Paths of every file under `dir` (subdirectories too), relative to it, sorted. */
export async function listFiles(store: ArtifactStore, dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await store.list(sub)) {
      if (entry.isDir) await walk(entry.path);
      else files.push(entry.path.slice(dir.length + 1));
    }
  };
  await walk(dir);
  return files.sort();
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
