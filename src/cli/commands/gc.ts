import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import { collectArtifactGarbage, type GcReport } from '../../operations/artifact-gc.js';
import { openArtifactStore } from '../../store/artifacts/open-artifact-store.js';
import { openDatabase } from '../../store/database.js';
import { ArtifactService } from '../../tracking/artifacts.js';
import type { TrackingTables } from '../../tracking/tables.js';
import { print, printJson } from '../command-context.js';
import { exitCodesLine } from '../exit-codes.js';
import { formatBytes } from '../format/bytes.js';
import { progressBar } from '../format/progress.js';

interface GcCommandOptions {
  dryRun?: boolean;
  grace: string;
  json?: boolean;
  progress?: boolean;
}

/** `mloop gc [--dry-run]`: remove the artifacts nothing live references any more. */
export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description(
      'Remove artifacts of deleted experiments, runs and model versions (local or S3), never a live version’s files',
    )
    .option('--dry-run', 'list what would be removed and the bytes it would free, remove nothing')
    .option(
      '--grace <duration>',
      'leave files no version references alone until they are this old (a registration or upload may be writing them); 0 for none',
      '1h',
    )
    .option('--json', 'print the report as JSON to stdout, for scripts')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .addHelpText(
      'after',
      '\nWorks on the configured store (MLOOP_DATABASE_URL, MLOOP_ARTIFACT_ROOT; the embedded ./.mloop by ' +
        'default), PostgreSQL and S3 included. Removes: the files of experiments and runs in the deleted ' +
        'stage (restoring one afterwards brings back its metadata, not its files), and registry or dataset ' +
        'files that no model version or dataset version references. Never removes a directory holding the ' +
        'files of a registered version or a dataset version.\n' +
        `\n${exitCodesLine([
          ['ok', 'done (or, with --dry-run, listed)'],
          ['invalidInput', 'a bad --grace'],
        ])}\n` +
        '\nExamples:\n  $ mloop gc --dry-run\n  $ mloop gc --json\n',
    )
    .action(async (opts: GcCommandOptions) => {
      const graceMs = /^0+(ms|s|m|h|d)?$/.test(opts.grace.trim())
        ? 0
        : parseWindowLength(opts.grace, 'grace');
      const config = loadConfig({});
      const [database, store] = await Promise.all([
        openDatabase(config.databaseUrl),
        openArtifactStore(config.artifactRoot, config),
      ]);
      const bar = progressBar(opts, 'directories');
      try {
        const artifacts = new ArtifactService(database.tables<TrackingTables>(), store, systemClock);
        const report = await collectArtifactGarbage(
          { database, store, artifacts, clock: systemClock },
          { dryRun: opts.dryRun === true, graceMs, onProgress: (done, total) => bar?.update(done, total) },
        );
        bar?.finish();
        if (opts.json) printJson(report);
        else print(describe(report));
      } finally {
        await database.close();
      }
    });
}

function describe(report: GcReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines = report.removed.map(
    (item) => `  ${item.path}  ${item.reason}  ${item.files} files  ${formatBytes(item.bytes)}`,
  );
  const kept = report.kept.map((item) => `  kept ${item.path}: ${item.reason}`);
  return [
    ...lines,
    ...kept,
    `${verb} ${report.removed.length} directories, ${report.files} files: ${formatBytes(report.bytesFreed)} ${report.dryRun ? 'to free' : 'freed'}`,
  ].join('\n');
}
