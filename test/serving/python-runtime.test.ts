import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runMloop } from '../helpers/cli.js';
import { eventually } from '../helpers/poll.js';
import { describeOnPostgres, freshPostgresUrl } from '../helpers/postgres.js';
import { describeWithPython, pythonPath, runPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/log_python_models.py', import.meta.url));

interface Expected {
  rows: Array<Record<string, number>>;
  models: Record<string, unknown[]>;
}

interface Answer {
  model_version: string;
  arm?: string;
  predictions: Array<{ id: string; label?: string; value?: number; probabilities?: Record<string, number> }>;
}

/** A server on SQLite, or on a fresh PostgreSQL database, with models logged by the mlflow client. */
function pythonRuntimeSuite(store: 'sqlite' | 'postgres') {
  let server: ServerProcess;
  let expected: Expected;
  let slowMarker: string;

  beforeAll(async () => {
    const home = tempDir('mloop-python-runtime-');
    slowMarker = join(home, 'slow-request.pid');
    server = await startServer({
      home,
      env: {
        MLOOP_PYTHON: pythonPath(),
        MLOOP_PYTHON_WORKERS: '2',
        SLOW_MARKER: slowMarker,
        ...(store === 'postgres' ? { MLOOP_DATABASE_URL: await freshPostgresUrl() } : {}),
      },
    });
    const out = join(home, 'logged');
    const logged = await runPython([SCRIPT, out], {
      cwd: home,
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
      timeoutMs: 400_000,
    });
    if (logged.code !== 0) throw new Error(`logging the models failed:\n${logged.output}`);
    expected = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as Expected;
  }, 500_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(240_000),
    });
  }
  async function postOk<T>(path: string, body: unknown): Promise<T> {
    const response = await post(path, body);
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }
  const predict = (ref: string, records: unknown[]) =>
    postOk<Answer>(`/api/v1/serving/${encodeURIComponent(ref)}/predict`, { records });

  it('serves a custom pyfunc whose code is a Python dependency, as mlflow.pyfunc loads it', async () => {
    const answer = await predict('py-custom/1', expected.rows);
    const values = answer.predictions.map((p) => p.value);
    expected.models['py-custom']?.forEach((v, i) => expect(values[i]).toBeCloseTo(v as number, 9));
    const invocations = await postOk<{ predictions: number[] }>(
      `/api/v1/serving/${encodeURIComponent('py-custom/1')}/invocations`,
      { dataframe_records: expected.rows },
    );
    expect(invocations.predictions).toEqual(values);
  }, 300_000);

  it('serves a scikit-learn pipeline skl2onnx cannot convert, with its probabilities', async () => {
    const answer = await predict('py-sklearn/1', expected.rows);
    expect(answer.predictions.map((p) => p.label)).toEqual(expected.models['py-sklearn']);
    const classes = expected.models['py-sklearn-classes'] as string[];
    const probabilities = expected.models['py-sklearn-proba'] as number[][];
    // The rows went through JSON with 10 decimals, the expected ones were scored unrounded.
    answer.predictions.forEach((p, i) =>
      classes.forEach((c, j) => expect(p.probabilities?.[c]).toBeCloseTo(probabilities[i]?.[j] as number, 9)),
    );
    const columns = Object.keys(expected.rows[0] ?? {});
    const split = await postOk<{ predictions: string[] }>(
      `/api/v1/serving/${encodeURIComponent('py-sklearn/1')}/invocations`,
      { dataframe_split: { columns, data: expected.rows.map((r) => columns.map((c) => r[c])) } },
    );
    expect(split.predictions).toEqual(expected.models['py-sklearn']);

    // The Open Inference Protocol: one [n, 1] input per column, the label tensor back.
    const metadata = (await (await fetch(`${server.url}/v2/models/py-sklearn/versions/1`)).json()) as {
      platform: string;
    };
    expect(metadata.platform).toBe('python');
    const infer = await postOk<{ outputs: Array<{ name: string; data: unknown[] }> }>(
      '/v2/models/py-sklearn/versions/1/infer',
      {
        inputs: columns.map((c) => ({
          name: c,
          shape: [expected.rows.length, 1],
          datatype: 'FP64',
          data: expected.rows.map((r) => r[c]),
        })),
      },
    );
    expect(infer.outputs.find((o) => o.name === 'predictions')?.data).toEqual(expected.models['py-sklearn']);
  }, 300_000);

  it('routes a canary between the Python version and the ONNX version, logging both', async () => {
    await postOk('/api/v1/deployments', {
      name: 'py-canary',
      model: 'py-sklearn',
      primary: '1',
      candidate: { version: '2', mode: 'canary', percent: 50 },
    });
    const arms = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const row = i % expected.rows.length;
      const answer = await postOk<Answer>('/api/v1/deployments/py-canary/predict', {
        record: expected.rows[row],
      });
      arms.add(answer.model_version);
      const labels = expected.models[answer.model_version === '1' ? 'py-sklearn' : 'py-sklearn-onnx'];
      expect(answer.predictions[0]?.label).toBe(labels?.[row]);
    }
    expect(arms).toEqual(new Set(['1', '2']));
    const logged = await eventually(
      async () => {
        const page = (await (
          await fetch(`${server.url}/api/v1/predictions?deployment=py-canary&maxResults=100`)
        ).json()) as { predictions: Array<{ version: number }> };
        return page.predictions.length >= 40 ? page.predictions : undefined;
      },
      { what: 'both arms in the prediction log', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(new Set(logged.map((p) => p.version))).toEqual(new Set([1, 2]));
  }, 300_000);

  it('answers 503 for a request whose worker is killed, replaces the worker and counts it', async () => {
    const path = `/api/v1/serving/${encodeURIComponent('py-custom/1')}/predict`;
    const slow = { ...expected.rows[0], a: -1000 };
    const started = Date.now();
    const inFlight = post(path, { records: [slow] });
    const pid = await eventually(
      () => (existsSync(slowMarker) ? Number(readFileSync(slowMarker, 'utf8')) || undefined : undefined),
      { what: 'the slow request to reach a worker', timeoutMs: 60_000, intervalMs: 20 },
    );
    process.kill(pid, 'SIGKILL');
    const response = await inFlight;
    // The model sleeps 60 s: an answer well before then came from the worker's death.
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /Python worker.*killed by SIGKILL/,
    );
    // The other worker answers meanwhile, and the replacement comes up.
    expect((await predict('py-custom/1', expected.rows.slice(0, 2))).predictions).toHaveLength(2);
    await eventually(
      async () => {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        return (
          /mloop_python_worker_restarts_total\{model="py-custom",version="1"\} 1/.test(metrics) || undefined
        );
      },
      { what: 'the restart in /metrics', timeoutMs: 10_000 },
    );
    const answers = await Promise.all(
      Array.from({ length: 16 }, () => predict('py-custom/1', expected.rows.slice(0, 1))),
    );
    expect(answers.every((a) => a.predictions.length === 1)).toBe(true);
  }, 300_000);

  if (store === 'sqlite') {
    it('mloop models show says the Python runtime serves the version, and why', async () => {
      const shown = await runMloop(server.home, ['models', 'show', 'py-sklearn/1']);
      expect(shown.stdout).toMatch(
        /runtime:\s+python: an MLflow model without an ONNX package \(flavors: python_function, sklearn\)/,
      );
      const onnx = await runMloop(server.home, ['models', 'show', 'py-sklearn/2']);
      expect(onnx.stdout).toMatch(/runtime:\s+onnx/);
    });
  }
}

describeWithPython('Python runtime on mloop server (SQLite)', () => pythonRuntimeSuite('sqlite'));
describeOnPostgres('Python runtime on mloop server (PostgreSQL)', () => {
  describeWithPython('with the Python test environment', () => pythonRuntimeSuite('postgres'));
});
