import { MloopError } from '../core/errors.js';
import { isPiiMarking } from '../core/pii-mode.js';
import type {
  FeatureSpec,
  FeatureType,
  InputLayout,
  Lineage,
  ModelMetadata,
  ModelTask,
} from './model-metadata.js';
import type { GraphSignature } from './onnx-graph.js';

/** mloop's own model directory: `model.onnx` beside `mloop-model.json` (a `ModelMetadata`). */
export const mloopMetadataFile = 'mloop-model.json';
export const mloopOnnxFile = 'model.onnx';

/**
 * What `mloop-model.json` may say. Beside `model.onnx` it must be a whole `ModelMetadata`; beside
 * an MLflow `MLmodel` any of these fields refine what the MLmodel and the graph tell.
 */
export type MloopModelFile = Partial<ModelMetadata>;

const featureTypes: readonly FeatureType[] = ['float32', 'float64', 'int32', 'int64', 'string', 'bool'];
const tasks: readonly ModelTask[] = ['classification', 'regression'];

/** A model package that cannot be read: its files are there but wrong. */
export function packageError(dir: string, message: string): MloopError {
  return new MloopError('INVALID_PARAMETER_VALUE', `model files at "${dir}": ${message}`, 'source');
}

/** Parses `mloop-model.json`, checking the type of every field it has. */
export function parseMloopModelFile(text: string, dir: string): MloopModelFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw packageError(dir, `${mloopMetadataFile} is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw packageError(dir, `${mloopMetadataFile} must hold a JSON object`);
  const fail = (field: string, expected: string) =>
    packageError(dir, `${mloopMetadataFile}: "${field}" must be ${expected}`);
  const file: MloopModelFile = {};
  if (value.format !== undefined) {
    if (value.format !== 'mloop-model/v1') throw fail('format', '"mloop-model/v1"');
    file.format = value.format;
  }
  if (value.task !== undefined) {
    if (!tasks.includes(value.task as ModelTask)) throw fail('task', 'classification or regression');
    file.task = value.task as ModelTask;
  }
  if (value.inputs !== undefined) {
    const badPii = Array.isArray(value.inputs)
      ? value.inputs.findIndex((f) => isObject(f) && f.pii !== undefined && !isPiiMarking(f.pii))
      : -1;
    if (badPii >= 0) throw fail(`inputs[${badPii}].pii`, 'true, false, "redact" or "hash"');
    if (!Array.isArray(value.inputs) || !value.inputs.every(isFeatureSpec))
      throw fail('inputs', `a list of {name, type} with type one of ${featureTypes.join(', ')}`);
    file.inputs = value.inputs;
  }
  if (value.layout !== undefined) {
    if (!isLayout(value.layout))
      throw fail('layout', '{"kind": "columns"} or {"kind": "tensor", "inputName": …, "tensorType": …}');
    file.layout = value.layout;
  }
  if (value.outputs !== undefined) {
    const o = value.outputs;
    if (
      !isObject(o) ||
      typeof o.label !== 'string' ||
      !['string', 'undefined'].includes(typeof o.probabilities)
    )
      throw fail('outputs', '{"label": "<output name>", "probabilities"?: "<output name>"}');
    file.outputs = {
      label: o.label,
      ...(typeof o.probabilities === 'string' ? { probabilities: o.probabilities } : {}),
    };
  }
  if (value.classLabels !== undefined) {
    if (
      !Array.isArray(value.classLabels) ||
      !value.classLabels.every((l) => ['string', 'number'].includes(typeof l))
    )
      throw fail('classLabels', 'a list of strings or numbers');
    file.classLabels = value.classLabels as Array<string | number>;
  }
  if (value.lineage !== undefined) {
    if (!isObject(value.lineage)) throw fail('lineage', 'an object');
    file.lineage = value.lineage as unknown as Lineage;
  }
  return file;
}

/** A whole `ModelMetadata` from `mloop-model.json`, for a package without an MLmodel. */
export function completeMloopMetadata(file: MloopModelFile, dir: string): ModelMetadata {
  const missing = (['task', 'inputs', 'layout', 'outputs'] as const).filter((k) => file[k] === undefined);
  if (missing.length > 0)
    throw packageError(dir, `${mloopMetadataFile} lacks ${missing.map((m) => `"${m}"`).join(', ')}`);
  return {
    format: 'mloop-model/v1',
    task: file.task as ModelTask,
    inputs: file.inputs as FeatureSpec[],
    layout: file.layout as InputLayout,
    outputs: file.outputs as ModelMetadata['outputs'],
    ...(file.classLabels ? { classLabels: file.classLabels } : {}),
    ...(file.lineage ? { lineage: file.lineage } : {}),
  };
}

/** Fails unless every input and output the metadata names exists in the ONNX graph. */
export function checkAgainstGraph(metadata: ModelMetadata, graph: GraphSignature, dir: string): void {
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const list = (names: Set<string>) => [...names].join(', ');
  const needed =
    metadata.layout.kind === 'tensor' ? [metadata.layout.inputName] : metadata.inputs.map((f) => f.name);
  for (const name of needed) {
    if (!inputs.has(name))
      throw packageError(dir, `the graph has no input "${name}" (inputs: ${list(inputs)})`);
  }
  for (const name of [metadata.outputs.label, metadata.outputs.probabilities]) {
    if (name !== undefined && !outputs.has(name))
      throw packageError(dir, `the graph has no output "${name}" (outputs: ${list(outputs)})`);
  }
  if (metadata.inputs.length === 0) throw packageError(dir, 'the model has no input features');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFeatureSpec(value: unknown): value is FeatureSpec {
  return (
    isObject(value) &&
    typeof value.name === 'string' &&
    value.name !== '' &&
    featureTypes.includes(value.type as FeatureType) &&
    ['boolean', 'undefined'].includes(typeof value.optional) &&
    ['boolean', 'undefined'].includes(typeof value.nullable) &&
    (value.pii === undefined || isPiiMarking(value.pii))
  );
}

function isLayout(value: unknown): value is InputLayout {
  if (!isObject(value)) return false;
  if (value.kind === 'columns') return true;
  return (
    value.kind === 'tensor' &&
    typeof value.inputName === 'string' &&
    featureTypes.includes(value.tensorType as FeatureType)
  );
}
