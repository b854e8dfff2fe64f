import { beforeEach, describe, expect, it } from 'vitest';
import { readModelPackage } from '../../src/registry/model-package.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { columnsClassifierOnnx, linearRegressionOnnx } from '../helpers/onnx-model.js';
import { tempDir } from '../helpers/tmp.js';
import { classifierMetadata } from './model-factories.js';

/** An MLmodel file with the onnx flavor and, when given, a signature (MLflow writes it as a JSON string). */
function mlmodel(inputs?: unknown[]): string {
  const lines = ['flavors:', '  onnx:', '    data: model.onnx', '    onnx_version: 1.23.2', 'run_id: r1'];
  if (inputs) lines.push('signature:', `  inputs: '${JSON.stringify(inputs)}'`);
  return `${lines.join('\n')}\n`;
}

describe('readModelPackage', () => {
  let store: LocalArtifactStore;
  beforeEach(() => {
    store = new LocalArtifactStore(tempDir('mloop-package-'));
  });
  const write = async (files: Record<string, string | Uint8Array>) => {
    for (const [name, body] of Object.entries(files))
      await store.put(`pkg/${name}`, typeof body === 'string' ? Buffer.from(body) : body);
  };

  it("reads mloop's model.onnx + mloop-model.json", async () => {
    const onnx = columnsClassifierOnnx();
    await write({ 'model.onnx': onnx, 'mloop-model.json': JSON.stringify(classifierMetadata) });
    const pkg = await readModelPackage(store, 'pkg');
    expect(pkg.metadata).toEqual(classifierMetadata);
    expect(pkg.onnx).toEqual(onnx);
    expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects mloop metadata that names inputs or outputs the graph lacks', async () => {
    const wrongInput = { ...classifierMetadata, inputs: [{ name: 'c', type: 'float32' }] };
    await write({ 'model.onnx': columnsClassifierOnnx(), 'mloop-model.json': JSON.stringify(wrongInput) });
    await expect(readModelPackage(store, 'pkg')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('the graph has no input "c" (inputs: a, b)'),
    });
    const wrongOutput = { ...classifierMetadata, outputs: { label: 'y' } };
    await write({ 'mloop-model.json': JSON.stringify(wrongOutput) });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(/no output "y"/);
  });

  it('names what is wrong with mloop-model.json', async () => {
    await write({ 'model.onnx': columnsClassifierOnnx(), 'mloop-model.json': '{"task": "classification"}' });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(/lacks "inputs", "layout", "outputs"/);
    await write({ 'mloop-model.json': '{"task": "clustering"}' });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(
      /"task" must be classification or regression/,
    );
    await write({ 'mloop-model.json': '{' });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(/not valid JSON/);
  });

  it('rejects bytes that are not an ONNX model', async () => {
    await write({ 'model.onnx': 'not onnx', 'mloop-model.json': JSON.stringify(classifierMetadata) });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(/model.onnx is not a valid ONNX model/);
  });

  it('reads an MLflow onnx model with a tensor signature as one feature tensor', async () => {
    const tensor = { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } };
    await write({
      MLmodel: mlmodel([tensor]),
      'model.onnx': linearRegressionOnnx(),
      'requirements.txt': 'mlflow==3.17.2\nonnx==1.23.2\nnumpy>=2\n',
    });
    const pkg = await readModelPackage(store, 'pkg');
    expect(pkg.metadata).toEqual({
      format: 'mlflow-onnx',
      task: 'regression',
      inputs: [
        { name: 'f0', type: 'float32' },
        { name: 'f1', type: 'float32' },
      ],
      layout: { kind: 'tensor', inputName: 'X', tensorType: 'float32' },
      outputs: { label: 'variable' },
      lineage: { datasets: [], runId: 'r1', packages: { mlflow: '3.17.2', onnx: '1.23.2' } },
    });
  });

  it('maps named columns onto one graph input each, and infers a classifier from its probabilities', async () => {
    const columns = [
      { type: 'float', name: 'a', required: true },
      { type: 'float', name: 'b', required: false },
    ];
    await write({ MLmodel: mlmodel(columns), 'model.onnx': columnsClassifierOnnx() });
    const pkg = await readModelPackage(store, 'pkg');
    expect(pkg.metadata).toMatchObject({
      task: 'classification',
      inputs: [
        { name: 'a', type: 'float32' },
        { name: 'b', type: 'float32', optional: true },
      ],
      layout: { kind: 'columns' },
      outputs: { label: 'label', probabilities: 'probabilities' },
    });
  });

  it('packs named columns into the single tensor input of the graph', async () => {
    const columns = [
      { type: 'double', name: 'age' },
      { type: 'double', name: 'income' },
    ];
    await write({ MLmodel: mlmodel(columns), 'model.onnx': linearRegressionOnnx() });
    const pkg = await readModelPackage(store, 'pkg');
    expect(pkg.metadata.inputs).toEqual([
      { name: 'age', type: 'float32' },
      { name: 'income', type: 'float32' },
    ]);
    expect(pkg.metadata.layout).toEqual({ kind: 'tensor', inputName: 'X', tensorType: 'float32' });
  });

  it('takes the task, class labels, feature names and lineage from a mloop-model.json beside the MLmodel', async () => {
    const refinements = {
      task: 'regression',
      inputs: [
        { name: 'tenure', type: 'float32' },
        { name: 'spend', type: 'float32', pii: true },
      ],
      lineage: {
        datasets: [{ name: 'train', digest: 'abc', versionId: 'dsv_1' }],
        packages: { sklearn: '1.9.1' },
      },
    };
    await write({
      MLmodel: mlmodel(),
      'model.onnx': linearRegressionOnnx(),
      'mloop-model.json': JSON.stringify(refinements),
    });
    const pkg = await readModelPackage(store, 'pkg');
    expect(pkg.metadata).toMatchObject({
      format: 'mlflow-onnx',
      task: 'regression',
      inputs: refinements.inputs,
      lineage: { runId: 'r1', datasets: refinements.lineage.datasets, packages: { sklearn: '1.9.1' } },
    });
  });

  it('explains why a model without the onnx flavor, or without metadata, is not a package', async () => {
    await write({ MLmodel: 'flavors:\n  sklearn: {}\n  python_function: {}\n', 'model.pkl': 'x' });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(
      /no onnx flavor \(flavors: sklearn, python_function\)/,
    );
    await store.delete('pkg');
    await write({ 'model.onnx': linearRegressionOnnx() });
    await expect(readModelPackage(store, 'pkg')).rejects.toThrow(
      /neither mloop-model.json nor an MLflow MLmodel/,
    );
    await expect(readModelPackage(store, 'nothing-here')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    await expect(readModelPackage(store, '../outside')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
  });
});
