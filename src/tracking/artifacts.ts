import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { invalidParameter, notFound } from '../core/errors.js';
import type { ArtifactEntry, ArtifactStore, StoredArtifact } from '../store/artifacts/artifact-store.js';
import { joinArtifactPath, normalizeArtifactPath } from '../store/artifacts/artifact-path.js';
import { refuseRegistryOwned } from '../store/artifacts/registry-owned.js';
import { findRunRow } from './run-loader.js';
import type { TrackingTables } from './tables.js';

/** The URI scheme of artifacts that mloop stores itself (MLflow's proxied-artifact scheme). */
export const proxiedScheme = 'mlflow-artifacts:';

export interface ArtifactFile {
  /** Path relative to the run's artifact root (or to the store root for raw store access). */
  path: string;
  isDir: boolean;
  size: number | undefined;
  /** sha256 of the content, for files uploaded through mloop. */
  sha256?: string | undefined;
}

/**
 * Artifact files: stored in the artifact store under `<experiment>/<run>/artifacts/…`, each
 * upload recorded with its size and sha256 so a download can be verified against it. The
 * registry's own directory is read-only here, whatever path or experiment location names it.
 */
export class ArtifactService {
  constructor(
    private readonly db: Kysely<TrackingTables>,
    private readonly store: ArtifactStore,
    private readonly clock: Clock,
  ) {}

  /** Stores a file at a store-relative path (the `mlflow-artifacts` proxy addresses files this way). */
  async put(path: string, body: Readable | Uint8Array): Promise<StoredArtifact> {
    const normalized = normalizeArtifactPath(path);
    if (normalized === '') throw invalidParameter('path', 'an artifact path is required');
    refuseRegistryOwned(normalized, 'write');
    const stored = await this.store.put(normalized, body);
    const row = {
      path: normalized,
      size: stored.size,
      sha256: stored.sha256,
      created_time: this.clock.now(),
    };
    await this.db
      .insertInto('artifact_files')
      .values(row)
      .onConflict((oc) =>
        oc.column('path').doUpdateSet({ size: row.size, sha256: row.sha256, created_time: row.created_time }),
      )
      .execute();
    return stored;
  }

  async get(path: string): Promise<{ stream: Readable; size: number; sha256: string | undefined }> {
    const normalized = normalizeArtifactPath(path);
    const file = await this.store.get(normalized);
    if (!file) throw notFound(`Artifact '${normalized}' does not exist`);
    const record = await this.db
      .selectFrom('artifact_files')
      .select('sha256')
      .where('path', '=', normalized)
      .executeTakeFirst();
    return { ...file, sha256: record?.sha256 };
  }

  /** Direct children of a store-relative directory. */
  async list(dir: string): Promise<ArtifactEntry[]> {
    return this.store.list(normalizeArtifactPath(dir));
  }

  async delete(path: string): Promise<void> {
    const normalized = normalizeArtifactPath(path);
    if (normalized === '') throw invalidParameter('path', 'refusing to delete the artifact store root');
    refuseRegistryOwned(normalized, 'delete');
    await this.store.delete(normalized);
    await this.db
      .deleteFrom('artifact_files')
      .where((eb) => eb.or([eb('path', '=', normalized), eb('path', 'like', `${normalized}/%`)]))
      .execute();
  }

  /** Uploads a file under a run's artifact root. */
  async putForRun(runId: string, path: string, body: Readable | Uint8Array): Promise<StoredArtifact> {
    const root = await this.runRoot(runId);
    return this.put(joinArtifactPath(root, normalizeArtifactPath(path)), body);
  }

  async getForRun(
    runId: string,
    path: string,
  ): Promise<{ stream: Readable; size: number; sha256: string | undefined }> {
    const root = await this.runRoot(runId);
    return this.get(joinArtifactPath(root, normalizeArtifactPath(path)));
  }

  /** Lists a directory of a run's artifacts, with paths relative to the run's artifact root. */
  async listForRun(runId: string, path = ''): Promise<ArtifactFile[]> {
    const root = await this.runRoot(runId);
    const entries = await this.store.list(joinArtifactPath(root, normalizeArtifactPath(path)));
    const files = entries.map((e) => ({ path: e.path.slice(root.length + 1), isDir: e.isDir, size: e.size }));
    const paths = files.filter((f) => !f.isDir).map((f) => joinArtifactPath(root, f.path));
    const hashes =
      paths.length === 0
        ? []
        : await this.db
            .selectFrom('artifact_files')
            .select(['path', 'sha256'])
            .where('path', 'in', paths)
            .execute();
    const byPath = new Map(hashes.map((h) => [h.path, h.sha256]));
    return files.map((f) => ({ ...f, sha256: byPath.get(joinArtifactPath(root, f.path)) }));
  }

  /** The store-relative directory of a run's artifacts. */
  async runRoot(runId: string): Promise<string> {
    const run = await findRunRow(this.db, runId);
    return storePathOf(run.artifact_uri);
  }
}

/** `mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`; other schemes are not stored by mloop. */
export function storePathOf(artifactUri: string): string {
  if (!artifactUri.startsWith(proxiedScheme)) {
    throw invalidParameter(
      'artifact_uri',
      `artifacts at "${artifactUri}" are not stored by this server; only ${proxiedScheme} URIs are`,
    );
  }
  return normalizeArtifactPath(artifactUri.slice(proxiedScheme.length).replace(/^\/+/, ''));
}
