import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../core/config.js';
import { MloopError, invalidParameter } from '../core/errors.js';
import { sha256OfFile } from '../core/hashing.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../governance/local-admin-token.js';
import { copyArtifacts, type CopyReport } from '../store/artifacts/copy-artifacts.js';
import { LocalArtifactStore } from '../store/artifacts/local-artifact-store.js';
import { openArtifactStore } from '../store/artifacts/open-artifact-store.js';

/** What a backup directory holds, written last so a directory without it is an unfinished backup. */
export interface BackupManifest {
  format: 1;
  createdAt: number;
  database: { file: string; sha256: string; bytes: number };
  artifacts: { dir: string; files: number; bytes: number };
  /** Secrets of the home kept beside the database (the PII hash key: hashed inputs stay joinable). */
  homeFiles: string[];
}

export interface BackupProgress {
  (phase: 'database' | 'artifacts', done: number, total: number): void;
}

const manifestFile = 'mloop-backup.json';
const databaseFile = 'mloop.db';
const artifactsDir = 'artifacts';
/** Files of the home that the database's contents depend on. */
const homeSecrets = ['pii-hash-key', LOCAL_ADMIN_TOKEN_FILE];

/** The SQLite file of an embedded store; other databases have their own tools. */
function sqlitePath(config: Config): string {
  if (!config.databaseUrl.startsWith('sqlite:') || config.databaseUrl === 'sqlite::memory:') {
    throw invalidParameter(
      'databaseUrl',
      'mloop backup copies the embedded SQLite store; back up PostgreSQL with pg_dump and S3 with bucket versioning or replication (see the README, Operations)',
    );
  }
  return config.databaseUrl.slice('sqlite:'.length);
}

/**
 * Copies the embedded store into `dir` while it runs: the database through SQLite's online backup
 * API (a consistent snapshot, including what sits in the WAL, while servers keep writing), then the
 * artifacts, each copy verified by sha256. The database goes first, so every file it references
 * was written before the artifact copy starts; files added meanwhile are extra, never missing.
 */
export async function backupStore(
  config: Config,
  dir: string,
  progress?: BackupProgress,
): Promise<BackupManifest> {
  const database = sqlitePath(config);
  if (!existsSync(database))
    throw new MloopError('RESOURCE_DOES_NOT_EXIST', `no mloop database at ${database}`);
  if (existsSync(dir) && (await readdir(dir)).length > 0)
    throw new MloopError('RESOURCE_ALREADY_EXISTS', `${dir} is not empty: back up into a new directory`);
  await mkdir(dir, { recursive: true });
  const target = join(dir, databaseFile);
  const { default: Sqlite } = await import('better-sqlite3');
  const source = new Sqlite(database, { readonly: true, fileMustExist: true });
  try {
    await source.backup(target, {
      progress: ({ totalPages, remainingPages }) => {
        progress?.('database', totalPages - remainingPages, totalPages);
        return 100; // pages a step: other connections write between steps
      },
    });
  } finally {
    source.close();
  }
  const copied = await copyArtifacts(
    await openArtifactStore(config.artifactRoot, config),
    new LocalArtifactStore(join(dir, artifactsDir)),
    (done, total) => progress?.('artifacts', done, total),
  );
  refuseMismatch(copied);
  const homeFiles: string[] = [];
  for (const name of homeSecrets) {
    if (!existsSync(join(config.home, name))) continue;
    await copyFile(join(config.home, name), join(dir, name));
    homeFiles.push(name);
  }
  const manifest: BackupManifest = {
    format: 1,
    createdAt: Date.now(),
    database: { file: databaseFile, sha256: await sha256OfFile(target), bytes: (await stat(target)).size },
    artifacts: { dir: artifactsDir, files: copied.files, bytes: copied.bytes },
    homeFiles,
  };
  await writeFile(join(dir, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Restores a backup into the configured home (on this machine or another): the database file,
 * checked against the manifest's sha256, the artifacts into the configured artifact root (a
 * directory or S3), verified file by file, and the home's secrets. Refuses to overwrite a store.
 */
export async function restoreStore(
  config: Config,
  dir: string,
  progress?: BackupProgress,
): Promise<BackupManifest> {
  const manifestPath = join(dir, manifestFile);
  if (!existsSync(manifestPath))
    throw new MloopError(
      'RESOURCE_DOES_NOT_EXIST',
      `${dir} holds no finished mloop backup (no ${manifestFile})`,
    );
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BackupManifest;
  const database = sqlitePath(config);
  if (existsSync(database))
    throw new MloopError(
      'RESOURCE_ALREADY_EXISTS',
      `${database} exists: restore into a fresh home (MLOOP_HOME) or move the current store away first`,
    );
  const backupDatabase = join(dir, manifest.database.file);
  if ((await sha256OfFile(backupDatabase)) !== manifest.database.sha256)
    throw invalidParameter(
      'dir',
      `${backupDatabase} differs from the backup's manifest: the backup is damaged`,
    );
  progress?.('database', 0, 1);
  await mkdir(dirname(database), { recursive: true });
  const restored = await copyArtifacts(
    new LocalArtifactStore(join(dir, manifest.artifacts.dir)),
    await openArtifactStore(config.artifactRoot, config),
    (done, total) => progress?.('artifacts', done, total),
  );
  refuseMismatch(restored);
  await mkdir(config.home, { recursive: true });
  for (const name of manifest.homeFiles) await copyFile(join(dir, name), join(config.home, name));
  // The database last: a store appears only once its files are in place.
  await copyFile(backupDatabase, database);
  progress?.('database', 1, 1);
  return manifest;
}

function refuseMismatch(report: CopyReport): void {
  if (report.mismatched.length === 0) return;
  throw new MloopError(
    'INTERNAL_ERROR',
    `copies of ${report.mismatched.length} artifact files differ from their source (${report.mismatched
      .slice(0, 3)
      .map((m) => m.path)
      .join(', ')}): run the command again`,
  );
}
