import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import {
  backupStore,
  restoreStore,
  type BackupManifest,
  type BackupProgress,
} from '../../operations/backup.js';
import { print, printJson } from '../command-context.js';
import { exitCodesLine } from '../exit-codes.js';
import { formatBytes } from '../format/bytes.js';
import { progressBar, type ProgressBar } from '../format/progress.js';

interface BackupOptions {
  json?: boolean;
  progress?: boolean;
}

/** `mloop backup DIR` and `mloop restore DIR`: the embedded store, copied while it runs. */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .argument('<dir>', 'a new (or empty) directory to write the backup into')
    .description(
      'Back up the embedded store while it runs: SQLite through its online backup API, and the artifacts',
    )
    .option('--json', 'print the backup manifest as JSON to stdout, for scripts')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .addHelpText(
      'after',
      '\nThe database is copied first (a consistent snapshot, servers keep writing), then every artifact ' +
        'file, each copy verified by sha256, then the PII hash key; mloop-backup.json is written last. ' +
        'For PostgreSQL use pg_dump, for S3 bucket versioning or replication (README, Operations).\n' +
        `\n${exitCodesLine([
          ['ok', 'backed up'],
          ['failure', 'a copy differs from its source'],
          ['invalidInput', 'the store is not the embedded SQLite one'],
          ['notFound', 'no store in MLOOP_HOME'],
          ['conflict', 'the directory is not empty'],
        ])}\n` +
        '\nExamples:\n  $ mloop backup /backups/mloop-2026-12-03\n  $ MLOOP_HOME=/srv/mloop mloop backup /backups/today --json\n',
    )
    .action(async (dir: string, opts: BackupOptions) => {
      const manifest = await withProgress(opts, (progress) =>
        backupStore(loadConfig({}), resolve(dir), progress),
      );
      report(opts, manifest, `backed up to ${resolve(dir)}`);
    });

  program
    .command('restore')
    .argument('<dir>', 'a directory written by mloop backup')
    .description('Restore a backup into a fresh home (MLOOP_HOME), on this machine or another')
    .option('--json', 'print the backup manifest as JSON to stdout, for scripts')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .addHelpText(
      'after',
      '\nChecks the database file against the backup manifest, copies the artifacts into the configured ' +
        'artifact root (a directory, or S3 with MLOOP_ARTIFACT_ROOT), each verified by sha256, and writes ' +
        'the database last. Refuses a home that already holds a store.\n' +
        `\n${exitCodesLine([
          ['ok', 'restored'],
          ['failure', 'a copy differs from the backup'],
          ['invalidInput', 'a damaged backup, or a store that is not SQLite'],
          ['notFound', 'no finished backup in the directory'],
          ['conflict', 'the home already holds a store'],
        ])}\n` +
        '\nExamples:\n  $ MLOOP_HOME=/srv/mloop mloop restore /backups/mloop-2026-12-03\n',
    )
    .action(async (dir: string, opts: BackupOptions) => {
      const config = loadConfig({});
      const manifest = await withProgress(opts, (progress) => restoreStore(config, resolve(dir), progress));
      report(opts, manifest, `restored into ${config.home}`);
    });
}

async function withProgress<T>(
  opts: BackupOptions,
  work: (progress: BackupProgress) => Promise<T>,
): Promise<T> {
  const bars = new Map<string, ProgressBar | undefined>();
  try {
    return await work((phase, done, total) => {
      if (!bars.has(phase)) {
        for (const bar of bars.values()) bar?.finish();
        bars.set(phase, progressBar(opts, phase === 'database' ? 'database pages' : 'artifact bytes'));
      }
      bars.get(phase)?.update(done, total);
    });
  } finally {
    for (const bar of bars.values()) bar?.finish();
  }
}

function report(opts: BackupOptions, manifest: BackupManifest, what: string): void {
  if (opts.json) return printJson(manifest);
  print(
    `${what}: database ${formatBytes(manifest.database.bytes)} (sha256 ${manifest.database.sha256.slice(0, 12)}), ` +
      `${manifest.artifacts.files} artifact files (${formatBytes(manifest.artifacts.bytes)}) verified by sha256`,
  );
}
