import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { invalidParameter, isMloopError, MloopError, withNotFoundHint } from '../../core/errors.js';
import type { BatchScoringRequest, BatchScoringSummary } from '../../serving/batch/batch-scoring.js';
import type { ModelSource } from '../../serving/served-models.js';
import { positiveInteger, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { exitCodesLine } from '../exit-codes.js';
import { progressBar } from '../format/progress.js';

interface PredictOptions extends CommonOptions {
  input: string;
  output: string;
  keep?: string;
  inputs: boolean;
  chunkRows?: number;
  progress?: boolean;
}

/** `mloop predict MODEL --input FILE --output FILE`: batch scoring of a file. */
export function registerPredictCommand(program: Command): void {
  trackingCommand(
    program
      .command('predict')
      .description(
        'Score a CSV, Parquet or JSON-lines file with a registered model and write the predictions to a file',
      )
      .argument('<model>', 'NAME@ALIAS, NAME/VERSION, NAME/latest, or NAME (champion, else newest)')
      .requiredOption('--input <file>', 'rows to score: .csv (with a header row), .parquet, .jsonl or .json')
      .requiredOption(
        '--output <file>',
        'where to write: .parquet, .csv, .jsonl or .json (replaced if it exists)',
      )
      .option('--keep <columns>', 'copy only these input columns to the output (comma-separated)')
      .option('--no-inputs', 'copy no input column to the output, only the predictions')
      .option('--chunk-rows <n>', 'rows scored per batch (default 10000)', positiveInteger('--chunk-rows'))
      .option('--progress', 'draw the progress bar on stderr even when it is not a terminal')
      .addHelpText(
        'after',
        [
          '',
          'The output holds the input columns, then the predictions (label and prob_<class> for a',
          'classifier, prediction for a regressor), then model_name and model_version. It is',
          'written only once every row is scored: a missing feature column or a wrongly typed',
          'value stops the run, naming the row and column, and leaves no file behind. With --url',
          'the model files are downloaded from the server and the scoring runs here. A summary',
          '(rows, seconds, model version, input sha256) goes to stderr, or to stdout with --json.',
          '',
          exitCodesLine([
            ['ok', 'scored'],
            ['invalidInput', 'invalid input (a missing input file, a missing column, a bad value or option)'],
            ['notFound', 'no such model'],
            ['unavailable', 'server unreachable'],
            ['failure', 'interrupted or failed'],
          ]),
          '',
        ].join('\n'),
      ),
    [
      'mloop predict churn@champion --input customers.parquet --output scored.parquet',
      'mloop predict churn/3 --input customers.csv --output scored.csv --keep customer_id',
      'mloop predict churn --input customers.jsonl --output scored.jsonl --no-inputs --json',
      'mloop predict churn@champion --input big.parquet --output scored.parquet --url http://mloop:5050',
    ],
  ).action(async (ref: string, opts: PredictOptions) => {
    if (opts.keep !== undefined && !opts.inputs) {
      throw invalidParameter('keep', '--keep and --no-inputs contradict each other: give one of them');
    }
    const bar = progressBar(opts, 'rows');
    const request: BatchScoringRequest = {
      ref,
      input: opts.input,
      output: opts.output,
      keep: opts.inputs ? (opts.keep === undefined ? 'all' : keptColumns(opts.keep)) : 'none',
      ...(opts.chunkRows ? { chunkRows: opts.chunkRows } : {}),
      ...(bar
        ? { onProgress: (p: { rows: number; totalRows: number }) => bar.update(p.rows, p.totalRows) }
        : {}),
    };
    // Ctrl-C stops between chunks, so the temporary files are removed and no output appears.
    const interrupted = new AbortController();
    const stop = () => interrupted.abort(new Error('interrupted: nothing was written'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const summary = await withModelSource(opts, async (source) => {
      const { scoreFile } = await import('../../serving/batch/batch-scoring.js');
      return scoreFile(source, { ...request, signal: interrupted.signal });
    }).finally(() => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      bar?.finish();
    });
    if (opts.json) printJson(summary);
    else process.stderr.write(describe(summary));
  });
}

function keptColumns(list: string): string[] {
  const columns = list
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (columns.length === 0) {
    throw invalidParameter('keep', '--keep needs column names, e.g. --keep id,region; or use --no-inputs');
  }
  return columns;
}

/** The registry the options select: the embedded store, or the server at `--url`/`MLOOP_URL`. */
async function withModelSource<T>(
  options: CommonOptions,
  work: (source: ModelSource) => Promise<T>,
): Promise<T> {
  const config = loadConfig(options.url ? { url: options.url } : {});
  try {
    if (config.url) {
      const { remoteModelSource } = await import('../backends/remote-model-source.js');
      return await work(withListHint(remoteModelSource(config.url)));
    }
    // Scoring needs only the registry and the artifacts, not the serving or monitoring services.
    const [{ openTrackingPlatform }, { registryModelSource }] = await Promise.all([
      import('../../tracking-platform.js'),
      import('../../serving/registry-source.js'),
    ]);
    const platform = await openTrackingPlatform(config);
    try {
      return await work(withListHint(registryModelSource(platform.registry)));
    } finally {
      await platform.close();
    }
  } catch (error) {
    if (isMloopError(error) && error.field === 'keep') {
      throw new MloopError(error.code, `${error.message} (--keep COLUMNS, or --no-inputs)`, error.field);
    }
    throw error;
  }
}

/** A reference that names no model or version says where to look. */
function withListHint(source: ModelSource): ModelSource {
  return {
    resolve: (ref) =>
      source.resolve(ref).catch((error: unknown) => {
        throw withNotFoundHint(error, 'see `mloop models list`');
      }),
    read: (version) => source.read(version),
  };
}

function describe(s: BatchScoringSummary): string {
  return (
    `Scored ${s.rows.toLocaleString('en-US')} rows with ${s.model} version ${s.version} in ${s.seconds.toFixed(1)}s\n` +
    `  input:  ${s.input.path} (sha256 ${s.input.sha256})\n` +
    `  output: ${s.output.path} (${s.output.columns.length} columns)\n`
  );
}
