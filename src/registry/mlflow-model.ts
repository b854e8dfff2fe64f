import { parse as parseYaml } from 'yaml';
import type { FeatureSpec, FeatureType, InputLayout, ModelMetadata, OutputSpec } from './model-metadata.js';
import { packageError, type MloopModelFile } from './mloop-model-file.js';
import { featureTypeOf, type GraphSignature, type GraphValue } from './onnx-graph.js';

/** MLflow's model directory: an `MLmodel` YAML file naming the flavors the model was saved in. */
export const mlflowModelFile = 'MLmodel';

export interface MlflowModelFile {
  /** The data file of the `onnx` flavor, relative to the model directory. */
  onnxFile: string;
  runId: string | undefined;
  /** MLflow's signature inputs: a JSON list of column or tensor specs. */
  signatureInputs: SignatureSpec[] | undefined;
}

/** One entry of `signature.inputs`: a column (`{type: 'double', name}`) or a tensor spec. */
interface SignatureSpec {
  type: string;
  name?: string;
  required?: boolean;
  'tensor-spec'?: { dtype?: string; shape?: number[] };
}

/** MLflow's column and tensor types as mloop's feature types. */
const mlflowTypes: Record<string, FeatureType> = {
  double: 'float64',
  float: 'float32',
  long: 'int64',
  integer: 'int32',
  boolean: 'bool',
  string: 'string',
  float64: 'float64',
  float32: 'float32',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
  str: 'string',
  object: 'string',
};

/** The flavors an MLmodel file names; undefined when the text is not an MLmodel's YAML. */
export function mlflowFlavorsOf(text: string): string[] | undefined {
  try {
    const doc = parseYaml(text) as { flavors?: Record<string, unknown> } | null;
    return doc?.flavors && typeof doc.flavors === 'object' ? Object.keys(doc.flavors) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the parts of an MLmodel file mloop uses; fails unless it has the `onnx` flavor. */
export function parseMlflowModelFile(text: string, dir: string): MlflowModelFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw packageError(dir, `${mlflowModelFile} is not valid YAML (${(error as Error).message})`);
  }
  const model = (doc ?? {}) as {
    flavors?: Record<string, { data?: unknown } | null>;
    run_id?: unknown;
    signature?: { inputs?: unknown } | null;
  };
  const flavors = model.flavors ?? {};
  const onnx = flavors.onnx;
  if (!onnx) {
    throw packageError(
      dir,
      `the MLflow model has no onnx flavor (flavors: ${Object.keys(flavors).join(', ') || 'none'}); mloop serves ONNX models: convert it (for scikit-learn, with skl2onnx) and log it with mlflow.onnx.log_model`,
    );
  }
  let signatureInputs: SignatureSpec[] | undefined;
  const rawInputs = model.signature?.inputs;
  if (typeof rawInputs === 'string' && rawInputs.trim() !== '') {
    try {
      signatureInputs = JSON.parse(rawInputs) as SignatureSpec[];
    } catch {
      throw packageError(dir, `${mlflowModelFile} has a signature whose inputs are not valid JSON`);
    }
  }
  return {
    onnxFile: typeof onnx.data === 'string' && onnx.data !== '' ? onnx.data : 'model.onnx',
    runId: typeof model.run_id === 'string' ? model.run_id : undefined,
    signatureInputs,
  };
}

/**
 * The metadata of an MLflow ONNX model, from its signature and its graph: a single graph input
 * takes all features as one `[batch, features]` tensor, several inputs take one feature each.
 * `mloop-model.json`, when present, names the task, the class labels and the features.
 */
export function mlflowMetadata(
  mlmodel: MlflowModelFile,
  graph: GraphSignature,
  refinements: MloopModelFile,
  dir: string,
): ModelMetadata {
  const { inputs, layout } = refinements.layout
    ? { inputs: refinements.inputs ?? [], layout: refinements.layout }
    : inputsOf(mlmodel.signatureInputs, graph, dir);
  const named =
    refinements.inputs && refinements.inputs.length === inputs.length ? refinements.inputs : inputs;
  const outputs = refinements.outputs ?? outputsOf(graph, dir);
  const labelType = graph.outputs.find((o) => o.name === outputs.label)?.type;
  const inferredClassifier =
    outputs.probabilities !== undefined || ['int64', 'int32', 'string', 'bool'].includes(labelType ?? '');
  return {
    format: 'mlflow-onnx',
    task: refinements.task ?? (inferredClassifier ? 'classification' : 'regression'),
    inputs: named,
    layout,
    outputs,
    ...(refinements.classLabels ? { classLabels: refinements.classLabels } : {}),
  };
}

function inputsOf(
  specs: SignatureSpec[] | undefined,
  graph: GraphSignature,
  dir: string,
): { inputs: FeatureSpec[]; layout: InputLayout } {
  const graphInputs = new Map(graph.inputs.map((i) => [i.name, i]));
  const single = graph.inputs.length === 1 ? graph.inputs[0] : undefined;
  const columns = specs?.filter((s) => s.type !== 'tensor') ?? [];
  const tensors = specs?.filter((s) => s.type === 'tensor') ?? [];
  if (columns.length > 0 && tensors.length > 0)
    throw packageError(dir, 'the signature mixes columns and tensors');

  // Named columns: one graph input per column, or all of them packed into a single tensor.
  if (columns.length > 0) {
    if (columns.some((c) => !c.name)) throw packageError(dir, 'the signature has a column without a name');
    if (columns.every((c) => graphInputs.has(c.name ?? ''))) {
      return {
        inputs: columns.map((c) =>
          feature(c.name ?? '', graphInputs.get(c.name ?? '')?.type, c.type, dir, c),
        ),
        layout: { kind: 'columns' },
      };
    }
    if (!single)
      throw packageError(
        dir,
        `the signature's columns do not match the graph's inputs (${[...graphInputs.keys()].join(', ')})`,
      );
    const tensorType = tensorTypeOf(single, dir);
    return {
      inputs: columns.map((c) => ({
        name: c.name ?? '',
        type: tensorType,
        ...(c.required === false ? { optional: true } : {}),
      })),
      layout: { kind: 'tensor', inputName: single.name, tensorType },
    };
  }

  // Tensors (or no signature): a single 2-D input is a feature tensor; several are columns.
  if (single && tensors.length <= 1) {
    const tensorType = tensorTypeOf(single, dir);
    const width = tensors[0]?.['tensor-spec']?.shape?.[1] ?? single.shape[1];
    if (typeof width !== 'number' || !Number.isInteger(width) || width < 1) {
      throw packageError(
        dir,
        `cannot tell how many features input "${single.name}" takes: its shape is [${single.shape.join(', ')}]`,
      );
    }
    return {
      inputs: Array.from({ length: width }, (_, i) => ({ name: `f${i}`, type: tensorType })),
      layout: { kind: 'tensor', inputName: single.name, tensorType },
    };
  }
  return {
    inputs: graph.inputs.map((i) => feature(i.name, i.type, undefined, dir)),
    layout: { kind: 'columns' },
  };
}

function feature(
  name: string,
  graphType: string | undefined,
  signatureType: string | undefined,
  dir: string,
  spec?: SignatureSpec,
): FeatureSpec {
  const type = featureTypeOf(graphType) ?? (signatureType ? mlflowTypes[signatureType] : undefined);
  if (!type)
    throw packageError(
      dir,
      `input "${name}" has type ${graphType ?? signatureType}, which mloop cannot feed`,
    );
  return { name, type, ...(spec?.required === false ? { optional: true } : {}) };
}

function tensorTypeOf(input: GraphValue, dir: string): FeatureType {
  const type = featureTypeOf(input.type);
  if (!type)
    throw packageError(
      dir,
      `input "${input.name}" has type ${input.type ?? 'non-tensor'}, which mloop cannot feed`,
    );
  return type;
}

/**
 * The label is the first output that is not probabilities; probabilities are a non-tensor output
 * (skl2onnx's ZipMap) or one named like `probabilities` / `output_probability`.
 */
function outputsOf(graph: GraphSignature, dir: string): OutputSpec {
  const probabilities =
    graph.outputs.find((o) => o.type === undefined) ?? graph.outputs.find((o) => /probab/i.test(o.name));
  const label = graph.outputs.find((o) => o !== probabilities);
  if (!label) throw packageError(dir, 'the graph has no output to read a prediction from');
  return { label: label.name, ...(probabilities ? { probabilities: probabilities.name } : {}) };
}
