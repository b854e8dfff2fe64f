import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { invalidParameter, MloopError } from '../../core/errors.js';
import { copyArtifacts, type CopyReport } from '../../store/artifacts/copy-artifacts.js';
import { isObjectStoreUrl, openArtifactStore } from '../../store/artifacts/open-artifact-store.js';
import type { ArtifactStore } from '../../store/artifacts/artifact-store.js';
import { exitCodes, exitCodesLine } from '../exit-codes.js';
import { formatBytes } from '../format/bytes.js';
import { progressBar } from '../format/progress.js';
import { print, printJson } from '../command-context.js';

interface MigrateOptions {
  from?: string;
  to: string;
  json?: boolean;
  progress?: boolean;
}

/** `mloop migrate-artifacts --from DIR --to s3://bucket/prefix`: copy an artifact store, verified. */
export function registerMigrateArtifactsCommand(program: Command): void {
  program
    .command('migrate-artifacts')
    .description(
      'Copy an artifact store to another (a directory to S3, say), verifying every file; resumable',
    )
    .option(
      '--from <root>',
      'the store to copy: a directory or s3://bucket/prefix (default: the configured artifact root)',
    )
    .requiredOption('--to <root>', 'where to copy it: a directory or s3://bucket/prefix')
    .option('--json', 'print the report as JSON to stdout, for scripts')
    .option('--progress', 'show a progress bar in bytes even when stderr is not a terminal')
    .addHelpText(
      'after',
      "\nEach copy is read back and its sha256 compared with the source file's; a file the target already " +
        'holds with the same sha256 is not sent again, so an interrupted migration is finished by running ' +
        'the same command again. Point the server at the new root (--artifact-root, MLOOP_ARTIFACT_ROOT) ' +
        'once it reports no difference. S3 endpoint, region and keys come from the AWS variables.\n' +
        `\n${exitCodesLine([
          ['ok', 'every file copied and verified'],
          ['failure', 'a copy differs from its source'],
          ['invalidInput', 'a root that does not exist or cannot be read'],
        ])}\n` +
        '\nExamples:\n  $ mloop migrate-artifacts --from .mloop/artifacts --to s3://ml-artifacts/mloop\n' +
        '  $ mloop migrate-artifacts --to s3://ml-artifacts/mloop --json\n',
    )
    .action(async (opts: MigrateOptions) => {
      const config = loadConfig({});
      const fromRoot = opts.from ?? config.artifactRoot;
      const [from, to] = await Promise.all([
        openRoot(fromRoot, config, true),
        openRoot(opts.to, config, false),
      ]);
      const bar = progressBar(opts, 'bytes');
      const report = await copyArtifacts(from, to, (done, total) => bar?.update(done, total));
      bar?.finish();
      if (opts.json) printJson({ from: fromRoot, to: opts.to, ...report });
      else print(describe(report));
      if (report.mismatched.length > 0) {
        if (!opts.json)
          for (const m of report.mismatched)
            process.stderr.write(`differs: ${m.path} (source ${m.source}, copy ${m.target ?? 'missing'})\n`);
        process.exitCode = exitCodes.failure;
      }
    });
}

async function openRoot(
  root: string,
  config: { s3ForcePathStyle: boolean },
  mustExist: boolean,
): Promise<ArtifactStore> {
  if (!isObjectStoreUrl(root)) {
    if (mustExist && !existsSync(root))
      throw invalidParameter('from', `the artifact directory ${root} does not exist`);
    root = resolve(root);
  }
  try {
    return await openArtifactStore(root, config);
  } catch (error) {
    if (error instanceof MloopError) throw error;
    throw invalidParameter('root', `cannot open ${root}: ${(error as Error).message}`);
  }
}

function describe(report: CopyReport): string {
  const verified = report.files - report.mismatched.length;
  return (
    `${report.files} files (${formatBytes(report.bytes)}): ${report.copied} copied (${formatBytes(report.bytesCopied)}), ` +
    `${report.skipped} already there; ${verified} verified by sha256` +
    (report.mismatched.length > 0 ? `, ${report.mismatched.length} DIFFER` : '')
  );
}
