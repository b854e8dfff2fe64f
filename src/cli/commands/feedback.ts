import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isMloopError, MloopError } from '../../core/errors.js';
import type { AttachResult } from '../../feedback/feedback-service.js';
import type { ExportSummary } from '../../feedback/labelled-export.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import {
  positiveInteger,
  print,
  printJson,
  trackingCommand,
  type CommonOptions,
} from '../command-context.js';
import { openFeedbackBackend } from '../feedback-backend.js';
import { progressBar } from '../format/progress.js';

interface AddOptions extends CommonOptions {
  source?: string;
  batchRows?: number;
  progress?: boolean;
}

interface ExportOptions extends CommonOptions {
  since: string;
  output?: string;
  dataset?: string;
  version?: number;
  deployment?: string;
}

/** `mloop feedback add FILE` and `mloop feedback export MODEL`. */
export function registerFeedbackCommand(program: Command): void {
  const feedback = program
    .command('feedback')
    .description('Ground truth for logged predictions: attach labels, export labelled predictions');

  trackingCommand(
    feedback
      .command('add')
      .description('Attach labels from a file (columns prediction_id,label) to logged predictions')
      .argument(
        '<file>',
        '.csv (with a header), .parquet or .jsonl; request_key,label rows label the latest prediction with that key',
      )
      .option('--source <text>', 'where the labels come from, kept with each label (default: the file name)')
      .option(
        '--batch-rows <n>',
        'labels sent per request (default 1000, at most 10000)',
        positiveInteger('--batch-rows'),
      )
      .option('--progress', 'draw the progress bar on stderr even when it is not a terminal')
      .addHelpText(
        'after',
        '\nLabels go in batches, each all or nothing; a bad row stops the run naming the row, and the ' +
          'batches before it stay stored. Adding a file again is safe: a label equal to the stored ' +
          'one changes nothing, a different one replaces it.\n',
      ),
    [
      'mloop feedback add labels.csv',
      'mloop feedback add chargebacks.parquet --source chargebacks --json',
      'mloop feedback add labels.jsonl --url http://mloop:5050',
    ],
  ).action(async (file: string, opts: AddOptions) => {
    const backend = await openFeedbackBackend(opts.url);
    const bar = progressBar(opts, 'labels');
    const totals = { rows: 0, created: 0, updated: 0, unchanged: 0 };
    try {
      // Label files are read with DuckDB, loaded only when labels are attached.
      const { readLabelFile } = await import('../../feedback/label-file.js');
      await readLabelFile(file, {
        batchRows: Math.min(opts.batchRows ?? 1000, 10_000),
        onBatch: async (labels, firstRow, totalRows) => {
          let result: AttachResult;
          try {
            result = await backend.attach(labels, opts.source ?? basename(file));
          } catch (error) {
            throw atRow(error, file, firstRow, totals.rows);
          }
          totals.rows += labels.length;
          totals.created += result.created;
          totals.updated += result.updated;
          totals.unchanged += result.unchanged;
          bar?.update(totals.rows, totalRows);
        },
      });
    } finally {
      bar?.finish();
      await backend.close();
    }
    if (opts.json) printJson({ file, ...totals });
    else
      print(
        `Read ${totals.rows} labels from ${file} into ${backend.location}: ${totals.created} new, ` +
          `${totals.updated} replaced, ${totals.unchanged} unchanged.`,
      );
  });

  trackingCommand(
    feedback
      .command('export')
      .description(
        'Write labelled predictions as training data: feature columns, label, prediction id, version, time',
      )
      .argument('<model>', 'NAME, or NAME@ALIAS for the version the alias points at')
      .option('--since <length>', 'predictions made this far back: 24h, 7d, 4w', '7d')
      .option('--output <file>', 'the file to write: .parquet, .csv or .jsonl (replaced if it exists)')
      .option('--dataset <name>', 'add the export as the next version of this dataset')
      .option('--version <n>', 'only this model version', positiveInteger('--version'))
      .option('--deployment <name>', 'only predictions this deployment routed'),
    [
      'mloop feedback export churn --since 30d --output labelled.parquet',
      'mloop feedback export churn@champion --since 7d --dataset churn-labelled',
      'mloop feedback export churn --since 24h --output labelled.csv --json',
    ],
  ).action(async (ref: string, opts: ExportOptions) => {
    if (!opts.output && !opts.dataset) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        'give --output FILE, --dataset NAME, or both',
        'output',
      );
    }
    const [model, alias] = ref.split('@') as [string, string | undefined];
    const to = Date.now();
    const from = to - parseWindowLength(opts.since, '--since');
    const backend = await openFeedbackBackend(opts.url);
    const dir = opts.output ? undefined : await mkdtemp(join(tmpdir(), 'mloop-feedback-'));
    try {
      const output = opts.output ?? join(dir!, `${opts.dataset}.parquet`);
      const { writeLabelledPredictions } = await import('../../feedback/labelled-export.js');
      const summary: ExportSummary = await writeLabelledPredictions(
        backend.labelled({ model, alias, from, to, version: opts.version, deployment: opts.deployment }),
        output,
      );
      const dataset = opts.dataset
        ? await backend.addDataset(opts.dataset, output, `mloop feedback export ${ref} --since ${opts.since}`)
        : undefined;
      const result = {
        rows: summary.rows,
        columns: summary.columns,
        ...(opts.output ? { output: opts.output } : {}),
        ...(dataset
          ? {
              dataset: {
                name: dataset.version.name,
                version: dataset.version.version,
                created: dataset.created,
              },
            }
          : {}),
      };
      if (opts.json) printJson(result);
      else {
        print(`Exported ${summary.rows} labelled predictions of ${ref} (${summary.columns.length} columns).`);
        if (opts.output) print(`  file:    ${opts.output}`);
        if (dataset) {
          print(
            `  dataset: ${dataset.version.name}/${dataset.version.version}${dataset.created ? '' : ' (already held these rows)'}`,
          );
        }
      }
    } finally {
      await backend.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
}

/** A failed batch's error, naming the row of the file and saying what was kept. */
function atRow(error: unknown, file: string, firstRow: number, stored: number): unknown {
  if (!isMloopError(error)) return error;
  const match = /^labels\[(\d+)\]\.(\w+)$/.exec(error.field ?? '');
  if (!match) return error;
  const row = firstRow + Number(match[1]);
  const kept =
    stored > 0
      ? ` The ${stored} labels before its batch are stored; fix the row and add the file again.`
      : '';
  const message = error.message
    .replace(/^labels\[\d+\]\.?\w*:?\s*/, '')
    .replace(/labels\[\d+\]\.(\w+)/g, '$1');
  return new MloopError(error.code, `${file} row ${row} (${match[2]}): ${message}.${kept}`, match[2]);
}
