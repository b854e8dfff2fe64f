import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { MloopClient } from '../../src/sdk/index.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const SCRIPT = fileURLToPath(new URL('./load_trained_model.py', import.meta.url));

interface Loaded {
  pyfunc: Record<string, unknown[]>;
  onnx: Record<string, unknown[]>;
  example_columns: string[];
  flavors: string[];
}

interface Served {
  predictions: Array<{ label?: string; value?: number; probabilities?: Record<string, number> }>;
}

/** Runs the loader script with the real mlflow client against the server. */
function loadWithMlflow(url: string, uri: string, records: string): Promise<Loaded> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, MLFLOW_TRACKING_URI: url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };
    execFile(pythonPath(), [SCRIPT, uri, records], { env, timeout: 180_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`loader failed: ${error.message}\n${stderr.slice(-4000)}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Loaded);
    });
  });
}

// Records as a user has them: whole numbers, a null (unknown) number, categories seen and unseen.
const records = [
  { tenure: 3, spend: 20.5, plan: 'basic' },
  { tenure: 50, spend: 150, plan: 'pro' },
  { tenure: null, spend: 80, plan: 'team' },
  { tenure: 24, spend: 99.9, plan: 'enterprise' },
];

describeWithPython('a model mloop trained, loaded by the mlflow client', () => {
  let server: ServerProcess;
  let client: MloopClient;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    client = new MloopClient({ url: server.url });
    dir = tempDir('mloop-pyfunc-');
    const random = seededRandom(5);
    const lines = ['tenure,spend,plan,churned,revenue'];
    for (let i = 0; i < 400; i++) {
      const tenure = Math.round(random() * 60);
      const spend = Math.round(random() * 2000) / 10;
      const plan = ['basic', 'pro', 'team'][Math.floor(random() * 3)]!;
      const score = -0.08 * tenure - 0.01 * spend + (plan === 'basic' ? 1.5 : 0) + 3 + (random() - 0.5);
      const revenue = 12 * spend + (plan === 'team' ? 300 : 0) + tenure * 2 + (random() - 0.5) * 20;
      lines.push(
        [random() < 0.05 ? '' : tenure, spend, plan, score > 0 ? 'yes' : 'no', revenue.toFixed(2)].join(','),
      );
    }
    writeFileSync(join(dir, 'customers.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'records.json'), JSON.stringify(records));
  }, 60_000);
  afterAll(async () => server?.stop());

  /** Trains with mloop, registers, points `champion` at it; returns what /predict answers. */
  async function trainAndServe(name: string, label: string, model: string): Promise<Served> {
    const trained = await client.training.train({
      data: join(dir, 'customers.csv'),
      label,
      model,
      features: ['tenure', 'spend', 'plan'],
      experiment: 'pyfunc',
    });
    const { version } = await client.training.register(name, trained.modelSource);
    await client.models.setAlias(name, 'champion', version);
    const answer = await fetch(`${server.url}/api/v1/serving/${name}/predict?alias=champion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as Served;
  }

  it('a classifier: pyfunc and onnx loads of models:/NAME@champion predict what mloop serves', async () => {
    const served = await trainAndServe('churn-pyfunc', 'churned', 'logistic');
    const loaded = await loadWithMlflow(
      server.url,
      'models:/churn-pyfunc@champion',
      join(dir, 'records.json'),
    );
    expect(loaded.flavors).toEqual(['onnx', 'python_function']);
    expect(loaded.example_columns).toEqual(['tenure', 'spend', 'plan']);
    const classes = Object.keys(served.predictions[0]!.probabilities!);
    for (const output of [loaded.pyfunc, loaded.onnx]) {
      expect(output.label).toEqual(served.predictions.map((p) => p.label));
      const probabilities = output.probabilities as number[];
      served.predictions.forEach((p, i) =>
        classes.forEach((c, j) =>
          expect(probabilities[i * classes.length + j]).toBeCloseTo(p.probabilities![c]!, 5),
        ),
      );
    }
  }, 240_000);

  it('a regressor: pyfunc predicts the values mloop serves', async () => {
    const served = await trainAndServe('revenue-pyfunc', 'revenue', 'gbdt');
    const loaded = await loadWithMlflow(
      server.url,
      'models:/revenue-pyfunc@champion',
      join(dir, 'records.json'),
    );
    for (const output of [loaded.pyfunc, loaded.onnx]) {
      const values = output.value as number[];
      served.predictions.forEach((p, i) => expect(values[i]).toBeCloseTo(p.value!, 3));
    }
  }, 240_000);
});
