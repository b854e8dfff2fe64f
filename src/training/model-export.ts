import type { PiiMode } from '../core/pii-mode.js';
import { mlflowModelFiles, type InputExampleRecord } from '../registry/mlflow-model-writer.js';
import { mloopMetadataFile, mloopOnnxFile } from '../registry/mloop-model-file.js';
import type { Lineage, ModelMetadata } from '../registry/model-metadata.js';
import type { FittedModel, LearningTask } from './learner.js';
import { GraphBuilder } from './onnx/model-builder.js';
import { addClassifierOutputs, addRegressorOutput } from './onnx/output-heads.js';
import { exportPreprocessing } from './preprocessing/onnx-export.js';
import type { Preprocessor } from './preprocessing/preprocessor.js';

/**
 * A trained model as mloop packages it: `model.onnx` and its `mloop-model.json` metadata, plus
 * a record it takes (for MLflow's input example).
 */
export interface TrainedPackage {
  onnx: Uint8Array;
  metadata: ModelMetadata;
  inputExample: InputExampleRecord[];
}

export interface ExportInput {
  preprocessor: Preprocessor;
  model: FittedModel;
  task: LearningTask;
  /** Class labels in class-index order (classification). */
  classLabels?: ReadonlyArray<string | number>;
  lineage?: Lineage;
  /** Columns of the training data holding personal data: the inputs of those names are marked `pii`. */
  pii?: Record<string, PiiMode>;
  /** Features a request may leave out (imputed like a null); every other one is required. */
  optional?: readonly string[];
}

/**
 * One ONNX graph from raw columns to predictions: preprocessing, the model, and the outputs
 * serving reads (`label` + `probabilities`, or `value`). The metadata uses the `columns` layout:
 * one graph input per raw column, numbers as float32 and categories as strings, each required
 * unless named `optional`, and nullable (the graph imputes a null).
 */
export function exportModelPackage(input: ExportInput): TrainedPackage {
  const graph = new GraphBuilder('mloop-trained-model');
  const pre = exportPreprocessing(graph, input.preprocessor);
  const scores = input.model.exportOnnx(graph, pre.features);
  const classification = input.task.kind === 'classification';
  if (input.task.kind === 'classification' && input.classLabels?.length !== input.task.classCount) {
    throw new Error('a classifier needs one class label per class to be exported');
  }
  const outputs = classification
    ? addClassifierOutputs(graph, scores, input.classLabels ?? [])
    : addRegressorOutput(graph, scores);
  const metadata: ModelMetadata = {
    format: 'mloop-model/v1',
    task: classification ? 'classification' : 'regression',
    inputs: pre.inputs.map((f) => {
      const mode = input.pii?.[f.name];
      return {
        ...f,
        ...(input.optional?.includes(f.name) ? { optional: true } : {}),
        ...(mode ? { pii: mode } : {}),
      };
    }),
    layout: { kind: 'columns' },
    outputs,
    ...(classification ? { classLabels: [...(input.classLabels ?? [])] } : {}),
    ...(input.lineage ? { lineage: input.lineage } : {}),
  };
  return {
    onnx: graph.toModel({ producer: 'mloop' }),
    metadata,
    inputExample: [typicalRecord(input.preprocessor, input.pii)],
  };
}

/**
 * A record of typical values, from the fitted preprocessing rather than the training rows, so
 * no one's data lands in the package: each number's fill (mean or median), each category's most
 * frequent value; a personal column's category is left empty (imputed).
 */
function typicalRecord(pre: Preprocessor, pii: Record<string, PiiMode> | undefined): InputExampleRecord {
  const record: InputExampleRecord = {};
  for (const step of pre.steps) {
    if (step.kind === 'numeric') {
      const value = Number.isFinite(step.fill) ? step.fill : step.offset;
      record[step.name] = Number(value.toPrecision(6));
    } else {
      const known = step.categories.includes(step.fill) ? step.fill : (step.categories[0] ?? '');
      record[step.name] = pii?.[step.name] ? '' : known;
    }
  }
  return record;
}

/** What writes a run's artifact files: the artifact store, or a server's artifact API. */
export interface ModelArtifactSink {
  putForRun(runId: string, path: string, bytes: Uint8Array): Promise<unknown>;
}

/**
 * Writes the package under a run's artifacts (`<path>/model.onnx`, `<path>/mloop-model.json`, and
 * the MLflow model files beside them), from where the registry registers it as
 * `runs:/RUN_ID/<path>` and MLflow's client loads it.
 */
export async function logModelPackage(
  artifacts: ModelArtifactSink,
  runId: string,
  pkg: TrainedPackage,
  path = 'model',
): Promise<void> {
  await artifacts.putForRun(runId, `${path}/${mloopOnnxFile}`, pkg.onnx);
  const json = `${JSON.stringify(pkg.metadata, null, 2)}\n`;
  const encoder = new TextEncoder();
  await artifacts.putForRun(runId, `${path}/${mloopMetadataFile}`, encoder.encode(json));
  const mlflow = mlflowModelFiles(pkg.metadata, {
    runId,
    artifactPath: path,
    inputExample: pkg.inputExample,
  });
  for (const [file, text] of Object.entries(mlflow))
    await artifacts.putForRun(runId, `${path}/${file}`, encoder.encode(text));
}
