import type { PiiMode } from '../core/pii-mode.js';
import { mloopMetadataFile, mloopOnnxFile } from '../registry/mloop-model-file.js';
import type { Lineage, ModelMetadata } from '../registry/model-metadata.js';
import type { FittedModel, LearningTask } from './learner.js';
import { GraphBuilder } from './onnx/model-builder.js';
import { addClassifierOutputs, addRegressorOutput } from './onnx/output-heads.js';
import { exportPreprocessing } from './preprocessing/onnx-export.js';
import type { Preprocessor } from './preprocessing/preprocessor.js';

/** A trained model as mloop packages it: `model.onnx` and its `mloop-model.json` metadata. */
export interface TrainedPackage {
  onnx: Uint8Array;
  metadata: ModelMetadata;
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
}

/**
 * One ONNX graph from raw columns to predictions: preprocessing, the model, and the outputs
 * serving reads (`label` + `probabilities`, or `value`). The metadata uses the `columns` layout:
 * one optional graph input per raw column, numbers as float32 and categories as strings.
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
      return mode ? { ...f, pii: mode } : f;
    }),
    layout: { kind: 'columns' },
    outputs,
    ...(classification ? { classLabels: [...(input.classLabels ?? [])] } : {}),
    ...(input.lineage ? { lineage: input.lineage } : {}),
  };
  return { onnx: graph.toModel({ producer: 'mloop' }), metadata };
}

/** What writes a run's artifact files: the artifact store, or a server's artifact API. */
export interface ModelArtifactSink {
  putForRun(runId: string, path: string, bytes: Uint8Array): Promise<unknown>;
}

/**
 * Writes the package under a run's artifacts (`<path>/model.onnx`, `<path>/mloop-model.json`), from
 * where the registry registers it as `runs:/RUN_ID/<path>`.
 */
export async function logModelPackage(
  artifacts: ModelArtifactSink,
  runId: string,
  pkg: TrainedPackage,
  path = 'model',
): Promise<void> {
  await artifacts.putForRun(runId, `${path}/${mloopOnnxFile}`, pkg.onnx);
  const json = `${JSON.stringify(pkg.metadata, null, 2)}\n`;
  await artifacts.putForRun(runId, `${path}/${mloopMetadataFile}`, new TextEncoder().encode(json));
}
