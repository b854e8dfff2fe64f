import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Clock } from '../core/clock.js';
import { invalidParameter } from '../core/errors.js';
import type { PiiMode } from '../core/pii-mode.js';
import type { DatasetVersion } from '../data/types.js';
import { sha256Hex } from '../core/hashing.js';
import { seededRandom } from '../core/random.js';
import { datasetVersionInput } from '../tracking/dataset-version-input.js';
import { datasetContextTag, parentRunTag, type RunService } from '../tracking/runs.js';
import type { Metric, Param, Tag } from '../tracking/types.js';
import { loadTrainingTable } from './data/load-table.js';
import { splitHoldout } from './data/holdout-split.js';
import { idLikeColumns } from './data/id-columns.js';
import { columnOf, selectRows, withoutColumns, type TrainingTable } from './data/training-table.js';
import { classificationMetrics, regressionMetrics, type Metrics } from './evaluation/metrics.js';
import type { FitProgress, RawParams } from './learner.js';
import { findLearner } from './learners.js';
import {
  exportModelPackage,
  logModelPackage,
  type ModelArtifactSink,
  type TrainedPackage,
} from './model-export.js';
import { fitPreprocessor, type PreprocessingOptions } from './preprocessing/preprocessor.js';
import { transform } from './preprocessing/transform.js';
import { encodeTarget, type TaskName } from './target.js';

/**
 * Where a training run is recorded: the embedded store's services, or a server's through the SDK
 * (training itself always runs in the caller's process).
 */
export interface TrainingServices {
  runs: Pick<RunService, 'create' | 'logBatch' | 'logInputs' | 'update'>;
  artifacts: ModelArtifactSink;
  clock: Clock;
}

/** The data set a model is trained on, as lineage records it. */
export interface DatasetReference {
  name: string;
  digest: string;
  source: string;
  /** MLflow's source type: `local` for a file (the default), `mloop` for a dataset version. */
  sourceType?: string;
  /** The version's personal columns: the model's signature marks these inputs, so serving keeps them out of logs. */
  pii?: Record<string, PiiMode>;
}

export interface TrainRequest {
  /** A CSV/Parquet/JSON file, or a table already loaded (then `dataset` names it for lineage). */
  data: string | TrainingTable;
  dataset?: DatasetReference;
  label: string;
  /** The feature columns (default: every column but the label). */
  features?: string[];
  /**
   * Features a prediction request may leave out (imputed as a missing value). Every other feature
   * is required; a null value of any feature is imputed either way.
   */
  optional?: string[];
  /** Columns left out of the features, such as an id (default: none). */
  drop?: string[];
  /** `linear`, `logistic`, `gbdt`. */
  model: string;
  /** Inferred when absent: numeric labels are regressed, text labels classified. */
  task?: TaskName;
  params?: RawParams;
  preprocessing?: PreprocessingOptions;
  /** Share of rows held out for the logged metrics (default 0.2). */
  holdout?: number;
  /** Seeds the split and the learner (default 0). */
  seed?: number;
  /** Fit on at most this many training rows (successive halving's budget); the holdout is unchanged. */
  maxTrainRows?: number;
  run: { experimentId: string; runName?: string; parentRunId?: string; tags?: Tag[] };
  onProgress?: (progress: FitProgress) => void;
}

export interface TrainResult {
  runId: string;
  task: TaskName;
  /** Holdout metrics, by their plain names (`accuracy`, `rmse`). */
  metrics: Metrics;
  package: TrainedPackage;
  /** Where the package is, for `registry.versions.create({ source })`. */
  modelSource: string;
  /** Class labels in probability-column order (classification). */
  classLabels?: Array<string | number>;
  /** What about the data the user should know, such as a feature that looks like a row id. */
  warnings: string[];
  /**
   * The fitted model in TypeScript, on raw feature columns: values, or probabilities
   * `[rows × classes]` row-major. The exported graph computes the same (in float32).
   */
  predict(features: TrainingTable): Float64Array;
}

/** The run artifact directory that holds the model package. */
export const modelArtifactPath = 'model';

/**
 * Trains one model as a tracked run: reads the data, holds out a seeded share of rows, fits the
 * preprocessing and the learner on the rest, logs params, holdout metrics (plain names) and
 * training metrics (`train_` prefix), and writes the model package (preprocessing folded into the
 * ONNX graph) under the run's `model/` artifacts, ready for the registry. A failure marks the run
 * FAILED and is rethrown.
 */
export async function train(services: TrainingServices, request: TrainRequest): Promise<TrainResult> {
  const learner = findLearner(request.model);
  const params = learner.parseParams(request.params ?? {});
  if (request.task !== undefined && !learner.tasks.includes(request.task)) {
    throw invalidParameter(
      'task',
      `${learner.name} does not do ${request.task}; it does ${learner.tasks.join(', ')}`,
    );
  }
  const holdout = request.holdout ?? 0.2;
  const seed = request.seed ?? 0;
  const table = typeof request.data === 'string' ? await loadTrainingTable(request.data) : request.data;
  const dataset =
    request.dataset ?? (typeof request.data === 'string' ? fileDataset(request.data) : undefined);
  const labelColumn = columnOf(table, request.label);
  const task = request.task ?? (learner.tasks.length === 1 ? learner.tasks[0] : undefined);
  const target = encodeTarget(labelColumn, task);
  if (!learner.tasks.includes(target.task.kind)) {
    throw invalidParameter(
      'task',
      `${learner.name} does not do ${target.task.kind}; it does ${learner.tasks.join(', ')}`,
    );
  }
  const features = featuresOf(table, request);
  checkOptional(features, request.optional);
  const warnings = idLikeColumns(features).map(
    (name) =>
      `column '${name}' has a different value in every row, like an id: as a feature it teaches the model nothing about new rows; leave it out with drop (mloop train --drop ${name})`,
  );
  const labelled = withLabel(selectRows(features, target.rows), target.y);
  const split = splitHoldout(labelled, holdout, seed);
  // The train split is shuffled, so its first rows are a random subsample.
  const trainSet = limitRows(split.train, request.maxTrainRows);
  const holdoutSet = limitRows(split.holdout, undefined);

  const tags: Tag[] = [...(request.run.tags ?? []), { key: 'mloop.training.model', value: learner.name }];
  if (request.run.parentRunId) tags.push({ key: parentRunTag, value: request.run.parentRunId });
  const run = await services.runs.create({
    experimentId: request.run.experimentId,
    ...(request.run.runName ? { runName: request.run.runName } : {}),
    tags,
  });
  const runId = run.info.runId;
  try {
    const logged: Param[] = Object.entries({
      model: learner.name,
      task: target.task.kind,
      label: request.label,
      holdout,
      seed,
      train_rows: trainSet.table.rows,
      holdout_rows: holdoutSet.table.rows,
      ...(request.params ?? {}),
    }).map(([key, value]) => ({ key, value: String(value) }));
    await services.runs.logBatch(runId, { params: logged });
    if (dataset) {
      await services.runs.logInputs(runId, [
        {
          dataset: {
            name: dataset.name,
            digest: dataset.digest,
            sourceType: dataset.sourceType ?? 'local',
            source: dataset.source,
          },
          tags: [{ key: datasetContextTag, value: 'training' }],
        },
      ]);
    }

    const preprocessor = fitPreprocessor(trainSet.table, {
      ...learner.preprocessing,
      ...request.preprocessing,
    });
    const x = transform(preprocessor, trainSet.table);
    const model = learner.fit(x, { task: target.task, y: trainSet.y }, params, {
      random: seededRandom(seed),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
    const score = (rows: { table: TrainingTable; y: Float64Array }): Metrics => {
      const predicted = model.predict(transform(preprocessor, rows.table));
      return target.task.kind === 'classification'
        ? classificationMetrics(rows.y, predicted, target.task.classCount)
        : regressionMetrics(rows.y, predicted);
    };
    const metrics = score(holdoutSet);
    const trainMetrics = score(trainSet);
    const now = services.clock.now();
    const points: Metric[] = [
      ...Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
      ...Object.entries(trainMetrics).map(([key, value]) => ({
        key: `train_${key}`,
        value,
        timestamp: now,
        step: 0,
      })),
    ];
    const summary = Object.entries(model.summary?.() ?? {}).map(([key, value]) => ({
      key: `fitted.${key}`,
      value: String(value),
    }));
    await services.runs.logBatch(runId, { metrics: points, params: summary });

    const pkg = exportModelPackage({
      preprocessor,
      model,
      task: target.task,
      ...(target.classLabels ? { classLabels: target.classLabels } : {}),
      ...(dataset?.pii ? { pii: dataset.pii } : {}),
      ...(request.optional ? { optional: request.optional } : {}),
      lineage: { runId, datasets: dataset ? [{ name: dataset.name, digest: dataset.digest }] : [] },
    });
    await logModelPackage(services.artifacts, runId, pkg, modelArtifactPath);
    await services.runs.update(runId, { status: 'FINISHED', endTime: services.clock.now() });
    return {
      runId,
      task: target.task.kind,
      metrics,
      package: pkg,
      modelSource: `runs:/${runId}/${modelArtifactPath}`,
      ...(target.classLabels ? { classLabels: target.classLabels } : {}),
      warnings,
      predict: (features) => model.predict(transform(preprocessor, features)),
    };
  } catch (error) {
    await services.runs
      .update(runId, { status: 'FAILED', endTime: services.clock.now() })
      .catch(() => undefined);
    throw error;
  }
}

/** A file's name and sha256, as MLflow's dataset inputs record them. */
export function fileDataset(path: string): DatasetReference {
  // Digest of the bytes: the same file trained twice links to the same dataset.
  const digest = statSync(path).isFile() ? sha256Hex(readFileSync(path)).slice(0, 16) : '';
  return { name: basename(path), digest, source: path };
}

/**
 * A stored dataset version as training reads it: its local file, and the reference lineage records
 * (the version's URI, digest and personal columns).
 */
export async function datasetVersionData(
  datasets: { localPath(ref: string): Promise<{ version: DatasetVersion; path: string }> },
  ref: string,
): Promise<{ data: string; dataset: DatasetReference }> {
  const { version, path } = await datasets.localPath(ref);
  const { dataset } = datasetVersionInput(version);
  return {
    data: path,
    dataset: {
      name: dataset.name,
      digest: dataset.digest,
      source: dataset.source,
      sourceType: 'mloop',
      ...(version.pii ? { pii: version.pii } : {}),
    },
  };
}

function featuresOf(table: TrainingTable, request: TrainRequest): TrainingTable {
  const drop = request.drop ?? [];
  for (const name of drop) columnOf(table, name, 'drop');
  if (!request.features) return withoutColumns(table, [request.label, ...drop]);
  if (request.features.includes(request.label)) {
    throw invalidParameter('features', `the label "${request.label}" cannot also be a feature`);
  }
  const kept = request.features.filter((name) => !drop.includes(name));
  return { rows: table.rows, columns: kept.map((name) => columnOf(table, name, 'features')) };
}

function checkOptional(features: TrainingTable, optional: readonly string[] | undefined): void {
  const names = features.columns.map((c) => c.name);
  const unknown = (optional ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw invalidParameter(
      'optional',
      `optional names ${unknown.map((u) => `"${u}"`).join(', ')}, which ${unknown.length > 1 ? 'are not features' : 'is not a feature'}; the features are ${names.join(', ')}`,
    );
  }
}

/** Features with their targets, moved together through splits. */
function withLabel(table: TrainingTable, y: Float64Array): TrainingTable {
  return {
    rows: table.rows,
    columns: [...table.columns, { name: targetColumn, kind: 'numeric', values: y }],
  };
}

// A name no user column has: the encoded target rides along as a column during the split.
const targetColumn = '\u0000target';

function limitRows(table: TrainingTable, max: number | undefined): { table: TrainingTable; y: Float64Array } {
  const limited =
    max !== undefined && max < table.rows
      ? selectRows(
          table,
          Uint32Array.from({ length: max }, (_, i) => i),
        )
      : table;
  const y = limited.columns.find((c) => c.name === targetColumn)!.values as Float64Array;
  return { table: withoutColumns(limited, [targetColumn]), y };
}
