import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PythonRuntime } from '../../src/serving/python/python-runtime.js';
import { describeWithPython, pythonPath, runPython } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';

// A pyfunc that answers, for each record, the number of records in the call it came in: what
// lets the test see how requests were batched. A negative `x` makes the whole call fail.
const SAVE_MODEL = `
import sys
import mlflow
import pandas as pd
from mlflow.models import infer_signature

class BatchSize(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        if (model_input["x"] < 0).any():
            raise ValueError("negative x")
        return [float(len(model_input))] * len(model_input)

example = pd.DataFrame({"x": [1.0, 2.0]})
mlflow.pyfunc.save_model(sys.argv[1], python_model=BatchSize(), signature=infer_signature(example, [2.0, 2.0]))
`;

describeWithPython('Python runtime batching', () => {
  let runtime: PythonRuntime;

  beforeAll(async () => {
    const dir = tempDir('mloop-python-batching-');
    const modelDir = join(dir, 'model');
    const saved = await runPython(['-c', SAVE_MODEL, modelDir], {
      cwd: dir,
      env: process.env,
      timeoutMs: 180_000,
    });
    if (saved.code !== 0) throw new Error(`saving the model failed:\n${saved.output}`);
    runtime = await PythonRuntime.load({
      python: pythonPath(),
      modelDir,
      label: 'batch-size/1',
      workers: 1,
      maxBatchRecords: 16,
    });
  }, 240_000);
  afterAll(async () => {
    await runtime?.release();
  });

  it('answers a lone request at once, in a call of its own', async () => {
    expect(await runtime.predict([{ x: 1 }])).toEqual([{ value: 1 }]);
  });

  it('scores concurrent callers together, never more records per call than the maximum', async () => {
    const answers = await Promise.all(Array.from({ length: 48 }, (_, i) => runtime.predict([{ x: i }])));
    const sizes = answers.map((a) => a[0]?.value ?? 0);
    expect(answers.every((a) => a.length === 1)).toBe(true);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
  });

  it('fails only the request whose records fail the model, not the others batched with it', async () => {
    const calls = Array.from({ length: 12 }, (_, i) => runtime.predict([{ x: i === 5 ? -1 : i }]));
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(settled[5]?.status).toBe('rejected');
    expect(String((settled[5] as PromiseRejectedResult).reason)).toMatch(/negative x/);
  });

  it('refuses a record that does not match the signature before it reaches Python', async () => {
    await expect(runtime.predict([{ y: 1 }])).rejects.toThrow(/unknown feature "y"/);
  });
});
