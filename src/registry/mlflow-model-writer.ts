import { stringify as stringifyYaml } from 'yaml';
import { mlflowModelFile } from './mlflow-model.js';
import { mloopOnnxFile } from './mloop-model-file.js';
import type { FeatureType, ModelMetadata } from './model-metadata.js';

/** A record of an input example: feature name → value, as a client sends it to `/predict`. */
export type InputExampleRecord = Record<string, string | number | boolean>;

export interface MlflowModelFilesOptions {
  /** The run the package was logged under, and its path there (`model`). */
  runId?: string;
  artifactPath?: string;
  /** A few records the model takes, saved as MLflow's input example. */
  inputExample: readonly InputExampleRecord[];
}

/** numpy dtypes of MLflow's tensor specs for the features (strings are numpy objects). */
const tensorDtypes: Record<FeatureType, string> = {
  float32: 'float32',
  float64: 'float64',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
  string: 'object',
};

// The Python side needs only what loads and runs an ONNX graph; unpinned, any recent versions do
// (the graph uses opsets 17 and ai.onnx.ml 3). MLflow's environments want a Python version:
// any that onnxruntime supports.
const requirements = ['mlflow', 'onnx>=1.14', 'onnxruntime>=1.14'];
const pythonVersion = '3.11';

const inputExampleFile = 'input_example.json';
const servingInputExampleFile = 'serving_input_example.json';

/**
 * The files that make an mloop model directory (`model.onnx` + `mloop-model.json`) an MLflow model
 * as `mlflow.onnx.save_model` writes one: `MLmodel` with the `onnx` and `python_function` flavors
 * (loader `mlflow.onnx`, data `model.onnx`), the signature, an input example, and the environment
 * files. With them, `mlflow.pyfunc.load_model("models:/NAME@alias")` and `mlflow.onnx.load_model`
 * load what mloop serves. File name → text.
 */
export function mlflowModelFiles(
  metadata: ModelMetadata,
  options: MlflowModelFilesOptions,
): Record<string, string> {
  const inputs = signatureInputs(metadata);
  const columns = metadata.inputs.map((f) => f.name);
  const split = {
    columns,
    data: options.inputExample.map((record) => columns.map((c) => record[c] ?? null)),
  };
  const mlmodel = {
    ...(options.artifactPath ? { artifact_path: options.artifactPath } : {}),
    flavors: {
      onnx: {
        code: null,
        data: mloopOnnxFile,
        onnx_session_options: null,
        providers: ['CPUExecutionProvider'],
      },
      python_function: {
        data: mloopOnnxFile,
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
        python_version: pythonVersion,
      },
    },
    ...(options.runId ? { run_id: options.runId } : {}),
    saved_input_example_info: {
      artifact_path: inputExampleFile,
      pandas_orient: 'split',
      serving_input_path: servingInputExampleFile,
      type: 'dataframe',
    },
    signature: { inputs: JSON.stringify(inputs), outputs: null, params: null },
  };
  const yaml = (value: unknown) => stringifyYaml(value, { lineWidth: 0 });
  return {
    [mlflowModelFile]: yaml(mlmodel),
    [inputExampleFile]: JSON.stringify(split),
    [servingInputExampleFile]: `${JSON.stringify({ dataframe_split: split }, null, 2)}\n`,
    'requirements.txt': `${requirements.join('\n')}\n`,
    'python_env.yaml': yaml({
      python: pythonVersion,
      build_dependencies: ['pip', 'setuptools', 'wheel'],
      dependencies: ['-r requirements.txt'],
    }),
    'conda.yaml': yaml({
      channels: ['conda-forge'],
      dependencies: [`python=${pythonVersion}`, 'pip', { pip: requirements }],
      name: 'mlflow-env',
    }),
  };
}

/**
 * The signature's inputs as named tensor specs with the graph's shapes: one `[-1, 1]` tensor per
 * feature (columns layout), or the one `[-1, features]` tensor. Tensors rather than columns, so
 * pyfunc casts each DataFrame column to the graph's dtype and shape before the onnx wrapper feeds
 * it: with column specs the wrapper would feed `[N]` pandas arrays (pandas 3's strings are not
 * even numpy) to `[N, 1]` inputs, and MLflow refuses int64 columns for `double` ones. Tensor specs
 * have no `required`: pyfunc wants every input; send NaN (or "") for an unknown value.
 */
function signatureInputs(metadata: ModelMetadata): object[] {
  const { layout } = metadata;
  if (layout.kind === 'tensor') {
    const spec = { dtype: tensorDtypes[layout.tensorType], shape: [-1, metadata.inputs.length] };
    return [{ name: layout.inputName, type: 'tensor', 'tensor-spec': spec }];
  }
  return metadata.inputs.map((f) => ({
    name: f.name,
    type: 'tensor',
    'tensor-spec': { dtype: tensorDtypes[f.type], shape: [-1, 1] },
  }));
}
