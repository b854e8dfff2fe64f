import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { invalidParameter } from '../../core/errors.js';
import type { FitProgress, RawParams } from '../../training/learner.js';
import { learners } from '../../training/learners.js';
import { trainingData, trainOn } from '../../training/training-backend.js';
import { gitSourceTags } from '../../tracking/git-source.js';
import { parseSearchSpace } from '../../training/tuning/search-space.js';
import { tune, type SearchStrategy } from '../../training/tuning/tune.js';
import { positiveInteger, print, printJson, repeatable, type CommonOptions } from '../command-context.js';
import { progressBar } from '../format/progress.js';
import { renderTable } from '../format/table.js';
import { withTrainingBackend } from '../training-backend.js';

interface TrainOptions extends CommonOptions {
  data: string;
  label: string;
  model: string;
  task?: 'classification' | 'regression';
  features?: string;
  optional?: string;
  drop?: string;
  param?: string[];
  experiment: string;
  runName?: string;
  holdout: string;
  seed: string;
  register?: string;
  progress?: boolean;
}

interface TuneOptions extends TrainOptions {
  search: SearchStrategy;
  space: string;
  trials?: number;
  metric?: string;
  direction?: 'max' | 'min';
  eta: string;
}

const models = learners.map((l) => l.name).join('|');

/** `mloop train` and `mloop tune`: built-in tabular training, recorded on the embedded store or a server. */
export function registerTrainCommand(program: Command): void {
  withTrainingOptions(
    program
      .command('train')
      .description(
        'Train a tabular model (preprocessing folded into ONNX) as a tracked run, and register it',
      ),
    [
      'mloop train --data customers.csv --label churned --model logistic',
      'mloop train --data houses.parquet --label price --model gbdt --param learning_rate=0.05 --register houses',
      'mloop train --data runs.csv --label y --model linear --param l2=0.01 --experiment pricing --json',
    ],
  ).action(async (opts: TrainOptions) => {
    const bar = progressBar(opts, 'iterations');
    const outcome = await withTrainingBackend(opts, async (backend) => {
      const result = await trainOn(backend, {
        ...commonRequest(opts),
        params: parseParams(opts.param),
        experiment: opts.experiment,
        ...(opts.runName ? { runName: opts.runName } : {}),
        // The code that trained it: the git commit of the directory mloop runs in.
        tags: gitSourceTags(process.cwd()),
        ...(bar ? { onProgress: (p: FitProgress) => bar.update(p.done, p.total, p.unit) } : {}),
      });
      const registered = opts.register
        ? await backend.register(opts.register, result.modelSource)
        : undefined;
      return {
        runId: result.runId,
        task: result.task,
        metrics: result.metrics,
        modelSource: result.modelSource,
        registered,
        warnings: result.warnings,
      };
    }).finally(() => bar?.finish());
    if (opts.json) return printJson(outcome);
    printWarnings(outcome.warnings);
    print(`Run ${outcome.runId} (${outcome.task}), model at ${outcome.modelSource}`);
    print(
      renderTable(
        ['HOLDOUT METRIC', 'VALUE'],
        Object.entries(outcome.metrics).map(([k, v]) => [k, formatNumber(v)]),
      ),
    );
    if (outcome.registered)
      print(`Registered ${outcome.registered.name} version ${outcome.registered.version}`);
    else print(`Register it with: mloop models register --source ${outcome.modelSource} NAME`);
  });

  withTrainingOptions(
    program
      .command('tune')
      .description('Search hyperparameters: each trial a nested run; the best by a metric wins')
      .requiredOption(
        '--space <file>',
        'YAML/JSON search space: name: [values] or name: {low, high, log?, integer?}',
      )
      .option('--search <strategy>', 'grid, random or halving (successive halving)', 'random')
      .option('--trials <n>', 'candidates drawn by random and halving', positiveInteger('--trials'))
      .option('--metric <name>', 'holdout metric that picks the best (default accuracy, or rmse)')
      .option('--direction <dir>', 'max or min (default: the metric’s own)')
      .option('--eta <n>', 'successive halving keeps 1/eta of the candidates each round', '3'),
    [
      'mloop tune --data customers.csv --label churned --model logistic --space space.yaml --search grid',
      'mloop tune --data fraud.parquet --label fraud --model gbdt --space gbdt.yaml --search halving --trials 27 --metric roc_auc --register fraud',
    ],
  ).action(async (opts: TuneOptions) => {
    if (!['grid', 'random', 'halving'].includes(opts.search)) {
      throw invalidParameter('search', `--search must be grid, random or halving, got "${opts.search}"`);
    }
    if (opts.direction !== undefined && !['max', 'min'].includes(opts.direction)) {
      throw invalidParameter('direction', `--direction must be max or min, got "${opts.direction}"`);
    }
    const space = parseSearchSpace(readText(opts.space));
    const bar = progressBar(opts, 'trials');
    const outcome = await withTrainingBackend(opts, async (backend) => {
      const experimentId = await backend.experimentId(opts.experiment);
      const result = await tune(backend.services, {
        ...commonRequest(opts),
        ...(await trainingData(backend, opts.data)),
        space,
        search: opts.search,
        params: parseParams(opts.param),
        eta: Number(opts.eta),
        ...(opts.trials ? { trials: opts.trials } : {}),
        ...(opts.metric ? { metric: opts.metric } : {}),
        ...(opts.direction ? { direction: opts.direction } : {}),
        run: {
          experimentId,
          ...(opts.runName ? { runName: opts.runName } : {}),
          // The code that trained it: the git commit of the directory mloop runs in.
          tags: gitSourceTags(process.cwd()),
        },
        ...(bar ? { onTrial: (done: number, total: number) => bar.update(done, total) } : {}),
      });
      const registered = opts.register
        ? await backend.register(opts.register, result.best.modelSource)
        : undefined;
      return { ...result, registered };
    }).finally(() => bar?.finish());
    if (opts.json) return printJson(outcome);
    printWarnings(outcome.warnings);
    print(
      `Parent run ${outcome.parentRunId}: best ${outcome.metric} ${formatNumber(outcome.best.value)} (${outcome.direction})`,
    );
    print(
      renderTable(
        ['RUN', 'ROUND', 'ROWS', outcome.metric.toUpperCase(), 'PARAMS'],
        outcome.trials.map((t) => [
          t.runId === outcome.best.runId ? `${t.runId} *` : t.runId,
          String(t.round),
          t.trainRows === undefined ? 'all' : String(t.trainRows),
          formatNumber(t.value),
          Object.entries(t.params)
            .map(([k, v]) => `${k}=${formatParam(v)}`)
            .join(' '),
        ]),
      ),
    );
    if (outcome.registered)
      print(`Registered ${outcome.registered.name} version ${outcome.registered.version}`);
    else print(`Register the best with: mloop models register --source ${outcome.best.modelSource} NAME`);
  });
}

function withTrainingOptions(command: Command, examples: string[]): Command {
  return command
    .requiredOption(
      '--data <file>',
      'training data: a CSV, Parquet or JSON file, or a dataset version NAME/VERSION',
    )
    .requiredOption('--label <column>', 'the column to predict')
    .requiredOption('--model <name>', `model family: ${models}`)
    .option('--task <task>', 'classification or regression (default: text labels classify, numbers regress)')
    .option('--features <columns>', 'comma-separated feature columns (default: all but the label)')
    .option(
      '--optional <columns>',
      'comma-separated features a prediction may leave out (default: none; every feature is required, and a null value is imputed)',
    )
    .option('--drop <columns>', 'comma-separated columns to leave out of the features, such as an id')
    .option('--param <key=value>', 'a hyperparameter (repeatable), e.g. l2=0.01', repeatable)
    .option('--experiment <name-or-id>', 'experiment of the runs (created when missing)', 'Default')
    .option('--run-name <name>', 'name of the (parent) run')
    .option('--holdout <fraction>', 'share of rows held out for the metrics', '0.2')
    .option('--seed <n>', 'seed of the split and the learner', '0')
    .option('--register <name>', 'register the (best) model under this name')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .option(
      '--url <url>',
      'record the runs and the model on the mloop server at this URL (MLOOP_URL) instead of ./.mloop; training runs here either way',
    )
    .option('--json', 'print JSON to stdout, for scripts')
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

function commonRequest(opts: TrainOptions) {
  if (opts.task !== undefined && !['classification', 'regression'].includes(opts.task)) {
    throw invalidParameter('task', `--task must be classification or regression, got "${opts.task}"`);
  }
  const holdout = Number(opts.holdout);
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed))
    throw invalidParameter('seed', `--seed must be a whole number, got "${opts.seed}"`);
  const features = columnList(opts.features);
  const optional = columnList(opts.optional);
  const drop = columnList(opts.drop);
  return {
    data: opts.data,
    label: opts.label,
    model: opts.model,
    holdout,
    seed,
    ...(opts.task ? { task: opts.task } : {}),
    ...(features ? { features } : {}),
    ...(optional ? { optional } : {}),
    ...(drop ? { drop } : {}),
  };
}

/** On stderr, so stdout stays the result; `--json` carries them in its `warnings`. */
function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
}

function columnList(list: string | undefined): string[] | undefined {
  return list
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** `--param l2=0.1 --param max_iter=50` → `{ l2: '0.1', max_iter: '50' }` (learners parse values). */
export function parseParams(pairs: string[] | undefined): RawParams {
  const params: RawParams = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalidParameter('param', `--param takes key=value, got "${pair}"`);
    params[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return params;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw invalidParameter('space', `cannot read the search space at "${path}"`);
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5);
}

function formatParam(value: string | number | boolean): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(4))) : String(value);
}
