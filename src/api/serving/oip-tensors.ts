import { invalidParameter } from '../../core/errors.js';
import type { FeatureSpec, FeatureType, ModelMetadata } from '../../registry/model-metadata.js';
import type { ScoredRecord, ServedSignature } from '../../serving/prediction-service.js';

/** A tensor as the Open Inference Protocol writes it in JSON: flat (or nested) data, a shape. */
export interface OipTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
  parameters?: Record<string, unknown>;
}

/** A tensor's description in model metadata; -1 marks the batch dimension. */
export interface OipTensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

const datatypes: Record<FeatureType, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int32: 'INT32',
  int64: 'INT64',
  bool: 'BOOL',
  string: 'BYTES',
};

const numeric = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);

/** The protocol's datatype for an ONNX element or feature type. */
export function oipDatatype(type: string): string {
  return datatypes[type as FeatureType] ?? 'FP32';
}

/** The inputs and outputs a model's metadata endpoint lists. */
export function oipSignature(signature: ServedSignature): {
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
} {
  const { metadata } = signature;
  const inputs =
    metadata.layout.kind === 'tensor'
      ? [
          {
            name: metadata.layout.inputName,
            datatype: oipDatatype(metadata.layout.tensorType),
            shape: [-1, metadata.inputs.length],
          },
        ]
      : metadata.inputs.map((f) => ({ name: f.name, datatype: oipDatatype(f.type), shape: [-1, 1] }));
  const outputs = signature.outputs.map((o) => ({
    name: o.name,
    datatype: oipDatatype(o.type),
    shape: o.role === 'probabilities' ? [-1, signature.classLabels?.length ?? -1] : [-1],
  }));
  return { inputs, outputs };
}

/**
 * Records from an inference request's input tensors: one tensor per feature (shape [n] or
 * [n, 1]), or, for a tensor-layout model, its one input tensor of shape [n, features].
 */
export function oipRecords(inputs: readonly OipTensor[], metadata: ModelMetadata): unknown[] {
  if (inputs.length === 0) throw invalidParameter('inputs', 'inputs is empty: send one tensor per feature');
  const layout = metadata.layout;
  const matrix =
    layout.kind === 'tensor'
      ? (inputs.find((t) => t.name === layout.inputName) ??
        (inputs.length === 1 && !metadata.inputs.some((f) => f.name === inputs[0]?.name)
          ? inputs[0]
          : undefined))
      : undefined;
  if (matrix) {
    if (inputs.length > 1)
      throw invalidParameter('inputs', `send only the "${matrix.name}" tensor, or one tensor per feature`);
    return matrixRecords(matrix, metadata.inputs);
  }
  const features = new Map(metadata.inputs.map((f) => [f.name, f]));
  let n: number | undefined;
  const columns: Array<[string, unknown[]]> = [];
  inputs.forEach((tensor, i) => {
    const feature = features.get(tensor.name);
    if (!feature) {
      throw invalidParameter(
        `inputs[${i}].name`,
        `unknown input "${tensor.name}"; the model takes ${[...features.keys()].join(', ')}`,
      );
    }
    checkDatatype(tensor, feature, i);
    const values = flatten(tensor, i);
    const rows = tensor.shape[0] ?? values.length;
    if (values.length !== rows) {
      throw invalidParameter(
        `inputs[${i}].shape`,
        `input "${tensor.name}" must have shape [n] or [n, 1], got [${tensor.shape.join(', ')}]`,
      );
    }
    if (n !== undefined && rows !== n) {
      throw invalidParameter(
        `inputs[${i}].shape`,
        `input "${tensor.name}" has ${rows} rows, the other inputs ${n}`,
      );
    }
    n = rows;
    columns.push([tensor.name, values]);
  });
  const sent = new Set(columns.map(([name]) => name));
  const missing = metadata.inputs.filter((f) => !f.optional && !sent.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    throw invalidParameter(
      'inputs',
      `missing input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; ` +
        `the model takes one tensor per feature: ${[...features.keys()].join(', ')}`,
    );
  }
  return Array.from({ length: n ?? 0 }, (_, row) =>
    Object.fromEntries(columns.map(([name, values]) => [name, values[row]])),
  );
}

function matrixRecords(tensor: OipTensor, features: readonly FeatureSpec[]): unknown[] {
  const values = flatten(tensor, 0);
  const k = features.length;
  const [rows, width] = tensor.shape;
  if (tensor.shape.length !== 2 || width !== k || rows === undefined) {
    throw invalidParameter(
      'inputs[0].shape',
      `input "${tensor.name}" must have shape [n, ${k}], got [${tensor.shape.join(', ')}]`,
    );
  }
  for (const feature of features) checkDatatype(tensor, feature, 0);
  return Array.from({ length: rows }, (_, i) =>
    Object.fromEntries(features.map((f, j) => [f.name, values[i * k + j]])),
  );
}

/** The datatype must be of the feature's kind: any number for a numeric feature, else its own. */
function checkDatatype(tensor: OipTensor, feature: FeatureSpec, i: number): void {
  const expected = oipDatatype(feature.type);
  const ok = numeric.has(expected) ? numeric.has(tensor.datatype) : tensor.datatype === expected;
  if (!ok) {
    throw invalidParameter(
      `inputs[${i}].datatype`,
      `input "${tensor.name}" has datatype ${tensor.datatype}; feature "${feature.name}" needs ${expected}`,
    );
  }
}

/** The tensor's data in row-major order, checked against its shape. */
function flatten(tensor: OipTensor, i: number): unknown[] {
  const values = (tensor.data as unknown[]).flat(Infinity);
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.shape.some((d) => !Number.isInteger(d) || d < 0) || size !== values.length) {
    throw invalidParameter(
      `inputs[${i}].data`,
      `input "${tensor.name}" has ${values.length} values but shape [${tensor.shape.join(', ')}]`,
    );
  }
  return values;
}

/** Output tensors for scored records, optionally only the `requested` ones. */
export function oipOutputs(
  predictions: readonly ScoredRecord[],
  signature: ServedSignature,
  requested?: readonly string[],
): OipTensor[] {
  const n = predictions.length;
  const known = signature.outputs.map((o) => o.name);
  requested?.forEach((name, i) => {
    if (!known.includes(name)) {
      throw invalidParameter(
        `outputs[${i}].name`,
        `unknown output "${name}"; the model gives ${known.join(', ')}`,
      );
    }
  });
  const tensors: OipTensor[] = [];
  for (const output of signature.outputs) {
    if (requested && !requested.includes(output.name)) continue;
    if (output.role === 'probabilities') {
      const labels = signature.classLabels ?? Object.keys(predictions[0]?.probabilities ?? {});
      const keys = labels.map(String);
      tensors.push({
        name: output.name,
        datatype: 'FP32',
        shape: [n, keys.length],
        data: predictions.flatMap((p) => keys.map((k) => p.probabilities?.[k] ?? 0)),
        parameters: { class_labels: labels },
      });
    } else {
      tensors.push({
        name: output.name,
        datatype: oipDatatype(output.type),
        shape: [n],
        data: predictions.map((p) => (output.role === 'value' ? p.value : p.label)),
      });
    }
  }
  return tensors;
}
