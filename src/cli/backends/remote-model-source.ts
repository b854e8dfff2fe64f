import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MloopError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hashing.js';
import { downloadMismatch, filesTamperedError } from '../../registry/model-files.js';
import { readModelPackage } from '../../registry/model-package.js';
import { MloopClient } from '../../sdk/client.js';
import { encodePath, HttpClient } from '../../sdk/http.js';
import type { ModelSource } from '../../serving/served-models.js';
import { LocalArtifactStore } from '../../store/artifacts/local-artifact-store.js';

const artifactsPath = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * Model versions of the server at `url`: references resolve through the registry API, and a
 * version's files are downloaded through the MLflow artifact proxy (the route MLflow clients use
 * for `mlflow-artifacts:` download URIs) into a private temporary directory, then read as the
 * embedded store reads them, so both ways hold models to the same package checks.
 */
export function remoteModelSource(url: string): ModelSource {
  const client = new MloopClient({ url });
  const http = new HttpClient({ url });
  return {
    async resolve(ref) {
      const version = await client.models.resolve(ref);
      return {
        name: version.name,
        version: version.version,
        storagePath: version.storagePath,
        files: version.files,
      };
    },
    async read(version) {
      const root = await mkdtemp(join(tmpdir(), 'mloop-model-'));
      try {
        const listing = await http.json<{ files?: Array<{ path: string; is_dir?: boolean }> }>(
          'GET',
          artifactsPath,
          { query: { path: version.storagePath } },
        );
        const dir = join(root, ...version.storagePath.split('/'));
        await mkdir(dir, { recursive: true });
        // A package's files sit at the top of its directory; subdirectories are not read.
        const files = (listing.files ?? []).filter((f) => !f.is_dir && isPlainName(f.path));
        const downloaded = new Map<string, string>();
        for (const file of files) {
          const response = await http.send(
            'GET',
            `${artifactsPath}/${encodePath(`${version.storagePath}/${file.path}`)}`,
          );
          const bytes = new Uint8Array(await response.arrayBuffer());
          const expected = response.headers.get('x-mloop-sha256');
          if (expected && expected !== sha256Hex(bytes)) {
            throw new MloopError(
              'TEMPORARILY_UNAVAILABLE',
              `${file.path} of ${version.name} version ${version.version} arrived corrupted (sha256 mismatch): try again`,
            );
          }
          await writeFile(join(dir, file.path), bytes);
          downloaded.set(file.path, sha256Hex(bytes));
        }
        // The server checks files when it loads them itself; here they are only sent, so the
        // client holds them to the version's record.
        const mismatch = version.files ? downloadMismatch(version.files, downloaded) : undefined;
        if (mismatch) throw filesTamperedError(version.name, version.version, mismatch);
        return await readModelPackage(new LocalArtifactStore(root), version.storagePath);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}

/** A file name without directory parts, so a listing cannot make us write outside `root`. */
function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\]/.test(name);
}
