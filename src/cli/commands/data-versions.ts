import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { invalidParameter, withNotFoundHint } from '../../core/errors.js';
import { parsePiiColumns } from '../../core/pii-mode.js';
import { parseFormat } from '../../data/source-files.js';
import {
  positiveInteger,
  print,
  printJson,
  trackingCommand,
  type CommonOptions,
} from '../command-context.js';
import { openDataBackend, type DataBackend } from '../data-backend.js';
import { progressBar } from '../format/progress.js';
import { renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';
import { renderDatasetVersion, renderDiff, renderVersionList } from './data-render.js';

const listHint = 'see `mloop data list`';

/** Runs work on the data backend the options select, naming what to do when something is missing. */
async function withData<T>(options: CommonOptions, work: (backend: DataBackend) => Promise<T>): Promise<T> {
  const backend = await openDataBackend(loadConfig(options.url ? { url: options.url } : {}));
  try {
    return await work(backend);
  } catch (error) {
    throw withNotFoundHint(error, listHint);
  } finally {
    await backend.close();
  }
}

interface AddOptions extends CommonOptions {
  format?: string;
  parent?: number;
  source?: string;
  progress?: boolean;
  pii?: string;
}

/** `mloop data add|list|show|diff|get|use`: versioned datasets. */
export function registerDatasetCommands(data: Command): void {
  trackingCommand(
    data
      .command('add')
      .argument('<name>', 'dataset name (created with its first version)')
      .argument('<path>', 'a .csv, .parquet or .jsonl file, or a directory of them')
      .description(
        'Add a file or directory as the next version of a dataset (the same bytes find the existing version)',
      ),
    [
      'mloop data add customers data/customers.csv',
      'mloop data add events exports/2026-03/ --source s3://bucket/events/2026-03',
      'mloop data add customers fixed.csv --parent 2 --json',
      'mloop data add customers data/customers.csv --pii email,phone,customer_id:hash',
    ],
  )
    .option('--format <format>', 'csv, parquet or jsonl, when the file name does not say')
    .option(
      '--parent <version>',
      'the version this one derives from (default: the latest)',
      positiveInteger('--parent'),
    )
    .option('--source <text>', 'where the data came from (a URL, a query, a job)')
    .option(
      '--pii <columns>',
      'columns holding personal data, comma-separated: COLUMN is redacted in prediction logs, COLUMN:hash is logged as a keyed hash; models trained on the version mark them',
    )
    .option('--progress', 'draw the progress bar on stderr even when it is not a terminal')
    .action(async (name: string, path: string, opts: AddOptions) => {
      const pii = opts.pii === undefined ? undefined : parsePiiColumns(opts.pii, 'pii');
      const bar = progressBar(opts, 'bytes');
      const added = await withData(opts, (backend) =>
        backend.add(name, path, {
          ...(opts.format ? { format: parseFormat(opts.format) } : {}),
          ...(opts.parent ? { parentVersion: opts.parent } : {}),
          ...(opts.source ? { source: opts.source } : {}),
          ...(pii ? { pii } : {}),
          ...(bar ? { onProgress: (done, total) => bar.update(done, total) } : {}),
        }),
      );
      bar?.finish();
      if (opts.json) return printJson(added);
      const v = added.version;
      const what = `${v.name}/${v.version}: ${v.rowCount.toLocaleString('en-US')} rows, ${v.schema.length} columns, digest ${v.digest.slice(0, 12)}`;
      print(added.created ? `Added ${what}` : `Unchanged: these bytes are already ${what}`);
    });

  trackingCommand(
    data
      .command('list')
      .argument('[name]', 'a dataset: list its versions')
      .description('List datasets, or the versions of one'),
    ['mloop data list', 'mloop data list customers', 'mloop data list customers --json'],
  ).action(async (name: string | undefined, opts: CommonOptions) => {
    if (name) {
      const versions = await withData(opts, (backend) => backend.listVersions(name));
      return opts.json ? printJson(versions) : print(renderVersionList(versions));
    }
    const datasets = await withData(opts, (backend) => backend.list());
    if (opts.json) return printJson(datasets);
    if (datasets.length === 0) return print('No datasets. Add one with `mloop data add NAME FILE`.');
    print(
      renderTable(
        ['NAME', 'LATEST', 'CREATED', 'DESCRIPTION'],
        datasets.map((d) => [
          d.name,
          `${d.name}/${d.latestVersion}`,
          formatTime(d.createdAt),
          d.description ?? '',
        ]),
      ),
    );
  });

  trackingCommand(
    data
      .command('show')
      .argument('<dataset>', 'NAME, NAME/VERSION, NAME@latest or NAME@DIGEST-PREFIX')
      .description("Show a version's schema and profile"),
    ['mloop data show customers/3', 'mloop data show customers@9f2c1a', 'mloop data show customers --json'],
  ).action(async (ref: string, opts: CommonOptions) => {
    const version = await withData(opts, (backend) => backend.get(ref));
    return opts.json ? printJson(version) : print(renderDatasetVersion(version));
  });

  trackingCommand(
    data
      .command('diff')
      .argument('<from>', 'NAME/VERSION')
      .argument('<to>', 'NAME/VERSION')
      .description('Compare two versions: schema changes, row counts, profile shifts'),
    ['mloop data diff customers/2 customers/3', 'mloop data diff customers/1 customers@latest --json'],
  ).action(async (from: string, to: string, opts: CommonOptions) => {
    const diff = await withData(opts, (backend) => backend.diff(from, to));
    return opts.json ? printJson(diff) : print(renderDiff(diff));
  });

  trackingCommand(
    data
      .command('get')
      .argument('<dataset>', 'NAME/VERSION (or NAME for the latest)')
      .description(
        'Write a version to a file: its very bytes, or converted by the output extension or --format',
      ),
    [
      'mloop data get customers/3 --output customers.csv',
      'mloop data get customers/3 --output customers.parquet',
    ],
  )
    .requiredOption('--output <file>', 'where to write')
    .option('--format <format>', 'csv, parquet or jsonl (default: from the output file name)')
    .action(async (ref: string, opts: CommonOptions & { output: string; format?: string }) => {
      const format = opts.format ? parseFormat(opts.format) : undefined;
      const written = await withData(opts, (backend) => backend.materialise(ref, opts.output, format));
      const v = written.version;
      if (opts.json)
        return printJson({
          name: v.name,
          version: v.version,
          digest: v.digest,
          output: opts.output,
          format: written.format,
        });
      print(
        `Wrote ${v.name}/${v.version} (${v.rowCount.toLocaleString('en-US')} rows) to ${opts.output} as ${written.format}`,
      );
    });

  trackingCommand(
    data
      .command('use')
      .argument('<dataset>', 'NAME/VERSION')
      .description('Record that a run read a version, so models registered from the run trace back to it'),
    ['mloop data use customers/3 --run 4f3c2a…', 'mloop data use customers/4 --run 4f3c2a… --context eval'],
  )
    .requiredOption('--run <run-id>', 'the run that read the data')
    .option('--context <context>', 'how the run used it: train, eval, test…', 'train')
    .action(async (ref: string, opts: CommonOptions & { run: string; context: string }) => {
      if (!opts.run.trim()) throw invalidParameter('run', '--run needs a run id');
      const v = await withData(opts, (backend) => backend.logToRun(opts.run, ref, opts.context));
      if (opts.json)
        return printJson({ runId: opts.run, name: v.name, version: v.version, digest: v.digest });
      print(`Run ${opts.run} read ${v.name}/${v.version} (${opts.context})`);
    });
}
