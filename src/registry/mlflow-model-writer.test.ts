import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseMlflowModelFile } from './mlflow-model.js';
import { mlflowModelFiles } from './mlflow-model-writer.js';
import type { ModelMetadata } from './model-metadata.js';

const metadata: ModelMetadata = {
  format: 'mloop-model/v1',
  task: 'classification',
  inputs: [
    { name: 'tenure', type: 'float32', nullable: true },
    { name: 'plan', type: 'string', nullable: true, optional: true },
  ],
  layout: { kind: 'columns' },
  outputs: { label: 'label', probabilities: 'probabilities' },
  classLabels: ['no', 'yes'],
};

describe('mlflowModelFiles', () => {
  const files = mlflowModelFiles(metadata, {
    runId: 'r1',
    artifactPath: 'model',
    inputExample: [{ tenure: 30.5, plan: 'pro' }],
  });

  it('writes an MLmodel with the onnx and python_function flavors over model.onnx', () => {
    const mlmodel = parseYaml(files.MLmodel!) as {
      flavors: Record<string, unknown>;
      saved_input_example_info: unknown;
    };
    expect(mlmodel.flavors.onnx).toMatchObject({ data: 'model.onnx' });
    expect(mlmodel.flavors.python_function).toMatchObject({
      data: 'model.onnx',
      loader_module: 'mlflow.onnx',
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    });
    expect(mlmodel).toMatchObject({ run_id: 'r1', artifact_path: 'model' });
    expect(mlmodel.saved_input_example_info).toEqual({
      artifact_path: 'input_example.json',
      serving_input_path: 'serving_input_example.json',
      pandas_orient: 'split',
      type: 'dataframe',
    });
  });

  it("signs each feature as a [-1, 1] tensor of the graph's dtype, as mloop's own reader reads it back", () => {
    const read = parseMlflowModelFile(files.MLmodel!, 'model');
    expect(read.onnxFile).toBe('model.onnx');
    expect(read.runId).toBe('r1');
    expect(read.signatureInputs).toEqual([
      { name: 'tenure', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 1] } },
      { name: 'plan', type: 'tensor', 'tensor-spec': { dtype: 'object', shape: [-1, 1] } },
    ]);
  });

  it("saves the input example in MLflow's split orient, and the environment with onnx and onnxruntime", () => {
    expect(JSON.parse(files['input_example.json']!)).toEqual({
      columns: ['tenure', 'plan'],
      data: [[30.5, 'pro']],
    });
    expect(JSON.parse(files['serving_input_example.json']!)).toEqual({
      dataframe_split: { columns: ['tenure', 'plan'], data: [[30.5, 'pro']] },
    });
    for (const file of ['requirements.txt', 'conda.yaml']) {
      expect(files[file]).toMatch(/onnx>=/);
      expect(files[file]).toMatch(/onnxruntime>=/);
    }
    expect(parseYaml(files['python_env.yaml']!)).toMatchObject({ dependencies: ['-r requirements.txt'] });
  });
});
