import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { sha256Hex } from '../../core/hashing.js';
import { joinArtifactPath } from '../../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../../store/artifacts/artifact-store.js';
import { filesTamperedError, holdsFiles } from '../../registry/model-files.js';
import type { RegistryService } from '../../registry/registry.js';
import type { ResolvedVersion } from '../served-models.js';

/** Marker written last into a complete local copy. */
const completeMarker = '.mloop-complete';

/**
 * A version's files as a local MLflow model directory, when the Python runtime serves it:
 * a version whose files are an MLflow model with the `python_function` flavor and no ONNX package
 * mloop could read (that one, native or converted, runs in onnxruntime). Undefined otherwise.
 */
export type PythonModelFiles = (version: ResolvedVersion) => Promise<string | undefined>;

/**
 * Python models from this store's registry, copied once under `<home>/python-models/` (Python
 * loads from a local directory, and the store may be S3). Each file is checked against its
 * registered sha256 as it is copied, so the workers never load files changed since registration.
 */
export function registryPythonModels(
  registry: RegistryService,
  store: ArtifactStore,
  home: string,
): PythonModelFiles {
  return async (resolved) => {
    const version = await registry.versions.get(resolved.name, resolved.version);
    if (version.format !== undefined || version.status !== 'READY' || !holdsFiles(version)) return undefined;
    const files = version.files ?? [];
    if (!(await hasPythonFlavor(store, version.storagePath))) return undefined;
    const key = sha256Hex(JSON.stringify(files)).slice(0, 16);
    const dir = join(home, 'python-models', key);
    if (existsSync(join(dir, completeMarker))) return dir;
    const staging = `${dir}.${process.pid}.copying`;
    await rm(staging, { recursive: true, force: true });
    for (const file of files) {
      const actual = await copyFile(
        store,
        joinArtifactPath(version.storagePath, file.path),
        join(staging, file.path),
      );
      if (actual !== file.sha256) {
        await rm(staging, { recursive: true, force: true });
        throw filesTamperedError(version.name, version.version, {
          path: file.path,
          expected: file.sha256,
          actual: actual ?? 'missing',
        });
      }
    }
    await writeFile(join(staging, completeMarker), '');
    try {
      await rename(staging, dir);
    } catch {
      await rm(staging, { recursive: true, force: true });
    }
    return dir;
  };
}

/** Whether the model directory's MLmodel names the `python_function` flavor. */
export async function hasPythonFlavor(store: ArtifactStore, storagePath: string): Promise<boolean> {
  const file = await store.get(joinArtifactPath(storagePath, 'MLmodel'));
  if (!file) return false;
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  try {
    const doc = parseYaml(Buffer.concat(chunks).toString('utf8')) as { flavors?: Record<string, unknown> };
    return doc?.flavors?.python_function !== undefined;
  } catch {
    return false;
  }
}

/** Copies one file out of the store; returns its sha256, or undefined when it is missing. */
async function copyFile(store: ArtifactStore, from: string, to: string): Promise<string | undefined> {
  const file = await store.get(from);
  if (!file) return undefined;
  await mkdir(dirname(to), { recursive: true });
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(file.stream, tap, createWriteStream(to));
  return hash.digest('hex');
}
