import type { Clock } from '../core/clock.js';
import type { DatasetTables } from '../data/tables.js';
import type { RegistryTables } from '../registry/tables.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { normalizeArtifactPath } from '../store/artifacts/artifact-path.js';
import { walkFiles } from '../store/artifacts/copy-artifacts.js';
import { isRegistryOwned, registryRoot } from '../store/artifacts/registry-owned.js';
import type { Database } from '../store/database.js';
import { proxiedScheme, storePathOf, type ArtifactService } from '../tracking/artifacts.js';
import type { TrackingTables } from '../tracking/tables.js';

/** Why a directory of the artifact store is garbage. */
export type GarbageReason =
  'deleted-experiment' | 'deleted-run' | 'unreferenced-model-files' | 'unreferenced-dataset-files';

export interface GarbageItem {
  path: string;
  reason: GarbageReason;
  files: number;
  bytes: number;
}

export interface GcReport {
  dryRun: boolean;
  /** What was removed (or, with dryRun, would be). */
  removed: GarbageItem[];
  files: number;
  bytesFreed: number;
  /** Garbage left alone, and why (a live version's files inside it, files younger than the grace period). */
  kept: Array<{ path: string; reason: string }>;
}

export interface GcOptions {
  dryRun: boolean;
  /**
   * Files no row references are removed only when all are older than this: a registration or a
   * dataset upload writes its files before the row that references them.
   */
  graceMs: number;
  onProgress?: (done: number, total: number) => void;
}

interface GcDeps {
  database: Database;
  store: ArtifactStore;
  /** Tracking's artifact service: removing a run's files also forgets their recorded hashes. */
  artifacts: ArtifactService;
  clock: Clock;
}

/** The store-relative directory an artifact location names, when mloop stores it itself. */
function ownPath(location: string): string | undefined {
  return location.startsWith(proxiedScheme) ? storePathOf(location) : undefined;
}

const inside = (path: string, dir: string) => dir === '' || path === dir || path.startsWith(`${dir}/`);

/**
 * `mloop gc`: removes the artifacts of deleted experiments and runs (as `mlflow gc` does), and
 * the registry's and datasets' files that no model version or dataset version references any more
 * (a deleted version, or a registration interrupted after its copy). Never removes a directory that
 * holds, or sits inside, the files of a live model version or dataset version.
 */
export async function collectArtifactGarbage(deps: GcDeps, options: GcOptions): Promise<GcReport> {
  const candidates = await garbageCandidates(deps);
  const report: GcReport = { dryRun: options.dryRun, removed: [], files: 0, bytesFreed: 0, kept: [] };
  // Read again just before removing: a version registered since the listing keeps its files.
  const live = await liveStoragePaths(deps.database);
  const now = deps.clock.now();
  let done = 0;
  options.onProgress?.(done, candidates.length);
  for (const candidate of candidates) {
    done += 1;
    const holder = live.find((path) => inside(path, candidate.path) || inside(candidate.path, path));
    if (holder !== undefined) {
      report.kept.push({ path: candidate.path, reason: `holds the files of a live version (${holder})` });
      options.onProgress?.(done, candidates.length);
      continue;
    }
    let files = 0;
    let bytes = 0;
    let newest = 0;
    for await (const file of walkFiles(deps.store, candidate.path)) {
      files += 1;
      bytes += file.size;
      newest = Math.max(newest, file.modifiedAt ?? now);
    }
    const unreferenced = candidate.reason.startsWith('unreferenced');
    if (files > 0 && unreferenced && now - newest < options.graceMs) {
      report.kept.push({
        path: candidate.path,
        reason: 'written within the grace period: may be in progress',
      });
    } else if (files > 0) {
      if (!options.dryRun) await remove(deps, candidate.path);
      report.removed.push({ ...candidate, files, bytes });
      report.files += files;
      report.bytesFreed += bytes;
    }
    options.onProgress?.(done, candidates.length);
  }
  return report;
}

async function remove(deps: GcDeps, path: string): Promise<void> {
  // The tracking service refuses registry paths (they are the registry's to change).
  if (isRegistryOwned(path) || path.startsWith('datasets/')) await deps.store.delete(path);
  else await deps.artifacts.delete(path);
}

/** Every directory that is garbage by the metadata, outermost only (a deleted run inside a deleted experiment is one item). */
async function garbageCandidates(deps: GcDeps): Promise<Array<{ path: string; reason: GarbageReason }>> {
  const tracking = deps.database.tables<TrackingTables>();
  const found: Array<{ path: string; reason: GarbageReason }> = [];
  const experiments = await tracking
    .selectFrom('experiments')
    .select('artifact_location')
    .where('lifecycle_stage', '=', 'deleted')
    .execute();
  for (const e of experiments) {
    const path = ownPath(e.artifact_location);
    if (path) found.push({ path, reason: 'deleted-experiment' });
  }
  const runs = await tracking
    .selectFrom('runs')
    .select('artifact_uri')
    .where('lifecycle_stage', '=', 'deleted')
    .execute();
  for (const r of runs) {
    const path = ownPath(r.artifact_uri);
    if (path) found.push({ path, reason: 'deleted-run' });
  }
  const live = new Set(await liveStoragePaths(deps.database));
  // Registry files sit at registry/<model>/<files>, datasets at datasets/<name>/<digest>.
  for (const [root, reason] of [
    [registryRoot, 'unreferenced-model-files'],
    ['datasets', 'unreferenced-dataset-files'],
  ] as const) {
    for (const owner of await deps.store.list(root)) {
      if (!owner.isDir) continue;
      for (const entry of await deps.store.list(owner.path)) {
        if (entry.isDir && !live.has(entry.path)) found.push({ path: entry.path, reason });
      }
    }
  }
  // A path must never be the store root or leave it (a deleted experiment at "." would be everything).
  const safe = [...new Map(found.map((c) => [c.path, c])).values()].filter(
    (c) => c.path !== '' && normalizeArtifactPath(c.path) === c.path,
  );
  return safe.filter((c) => !safe.some((o) => o.path !== c.path && inside(c.path, o.path)));
}

/** The store paths of every model version's and dataset version's files. */
async function liveStoragePaths(database: Database): Promise<string[]> {
  const [versions, datasets] = await Promise.all([
    database.tables<RegistryTables>().selectFrom('model_versions').select('storage_path').execute(),
    database.tables<DatasetTables>().selectFrom('dataset_versions').select('storage_path').execute(),
  ]);
  return [...versions, ...datasets].map((row) => {
    try {
      return normalizeArtifactPath(row.storage_path);
    } catch {
      return row.storage_path; // not a store path: overlaps nothing garbage holds
    }
  });
}
