import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { getOrCreate, invalidParameter } from '../../core/errors.js';
import { writeMlflowModelOfPickle } from '../../registry/conversion/pickle-import.js';
import { parseModelRef } from '../../registry/model-ref.js';
import {
  positiveInteger,
  print,
  printJson,
  resolveExperiment,
  trackingCommand,
  withBackend,
  type CommonOptions,
} from '../command-context.js';
import { exitCodes, exitCodesLine } from '../exit-codes.js';
import { describeConversion } from './models-render.js';

const listHint = 'see `mloop models list`';

/** `mloop models convert` and `mloop models import`: MLflow and pickled models made servable as ONNX. */
export function registerModelsConvertCommands(models: Command): void {
  trackingCommand(
    models
      .command('convert')
      .argument('<model>', 'the version to convert: NAME/VERSION')
      .description(
        'Retry the ONNX conversion of an MLflow scikit-learn, XGBoost or LightGBM model, checked on a sample',
      )
      .addHelpText(
        'after',
        `\nA passing conversion (identical labels, probabilities within 1e-5, values within 1e-5 relative) is stored beside the model and served by onnxruntime; a failing one leaves the version to the Python runtime. Conversion runs in MLOOP_PYTHON (mlflow, skl2onnx, onnxruntime, and onnxmltools for XGBoost and LightGBM).\n${exitCodesLine(
          [
            ['ok', 'converted'],
            ['failure', 'not converted (the reason is printed)'],
            ['notFound', 'no such version'],
          ],
        )}\n`,
      ),
    [
      'mloop models convert churn/3',
      'mloop models convert churn/3 --sample holdout.csv --target-opset 15 --json',
    ],
  )
    .option('--sample <rows.csv>', "rows to check the conversion on (default: the model's input example)")
    .option('--target-opset <n>', 'the ONNX opset to target (default 17)', positiveInteger('--target-opset'))
    .action(async (ref: string, opts: CommonOptions & { sample?: string; targetOpset?: number }) => {
      const target = parseModelRef(ref, 'model');
      if (!('version' in target)) throw invalidParameter('model', `give NAME/VERSION, got "${ref}"`);
      const sampleCsv = opts.sample === undefined ? undefined : readSample(opts.sample);
      const result = await withBackend(
        opts,
        (backend) =>
          backend.models.convertVersion(target.name, target.version, {
            ...(sampleCsv !== undefined ? { sampleCsv } : {}),
            ...(opts.targetOpset !== undefined ? { targetOpset: opts.targetOpset } : {}),
          }),
        listHint,
      );
      if (result.conversion.status === 'failed') process.exitCode = exitCodes.failure;
      if (opts.json) return printJson(result);
      const { version, conversion } = result;
      print(`${version.name}/${version.version}: ${describeConversion(conversion)}`);
      if (conversion.status === 'failed' && version.lineage.conversion?.status === 'converted')
        print('The version keeps the ONNX conversion it had.');
    });

  trackingCommand(
    models
      .command('import')
      .argument('<file>', 'a joblib or pickle file of a fitted scikit-learn model')
      .description(
        'Register a pickled scikit-learn model: an MLflow model with its signature from a sample, converted to ONNX',
      )
      .addHelpText(
        'after',
        '\nThe model is loaded in MLOOP_PYTHON (scikit-learn, joblib, pandas, mlflow), saved as an MLflow model in a new run of the experiment, and registered; registration converts it to ONNX, checked on the sample.\n',
      ),
    [
      'mloop models import model.pkl --flavor sklearn --sample rows.csv --name churn',
      'mloop models import forest.joblib --sample holdout.csv --name churn --experiment imports --json',
    ],
  )
    .requiredOption('--name <name>', 'registered model name (created when missing)')
    .requiredOption(
      '--sample <rows.csv>',
      'rows the model takes, with a header: its signature and input example',
    )
    .option('--flavor <flavor>', 'the library of the model (sklearn)', 'sklearn')
    .option('--experiment <experiment>', 'experiment (name or id) of the run that keeps the files', '0')
    .option('--description <text>', 'what this version is')
    .action(
      async (
        file: string,
        opts: CommonOptions & {
          name: string;
          sample: string;
          flavor: string;
          experiment: string;
          description?: string;
        },
      ) => {
        readSample(opts.sample);
        const outDir = await mkdtemp(join(tmpdir(), 'mloop-import-'));
        try {
          const { python } = loadConfig(opts.url ? { url: opts.url } : {});
          const files = await writeMlflowModelOfPickle({
            file,
            sample: opts.sample,
            flavor: opts.flavor,
            python,
            outDir: join(outDir, 'model'),
          });
          const version = await withBackend(opts, async (backend) => {
            const experiment = await resolveExperiment(backend, opts.experiment);
            const run = await backend.runs.create({
              experimentId: experiment.experimentId,
              runName: `import ${basename(file)}`,
            });
            for (const [path, bytes] of files)
              await backend.runs.uploadArtifact(run.info.runId, `model/${path}`, bytes);
            await backend.runs.update(run.info.runId, { status: 'FINISHED' });
            await getOrCreate(
              () => backend.models.get(opts.name),
              () => backend.models.create({ name: opts.name }),
            );
            return backend.models.createVersion(opts.name, {
              source: `runs:/${run.info.runId}/model`,
              ...(opts.description ? { description: opts.description } : {}),
            });
          });
          if (opts.json) return printJson(version);
          print(
            `Registered ${version.name} version ${version.version} from ${file} (run ${version.runId ?? '-'}).`,
          );
          const conversion = version.lineage.conversion;
          if (conversion) print(describeConversion(conversion));
          print(`See it with \`mloop models show ${version.name}/${version.version}\`.`);
        } finally {
          await rm(outDir, { recursive: true, force: true });
        }
      },
    );
}

/** The sample file's text, failing with the file's name when it cannot be read. */
function readSample(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidParameter('sample', `cannot read --sample ${path}: ${(error as Error).message}`);
  }
}
