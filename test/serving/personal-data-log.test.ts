import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/api/server.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import type { ModelMetadata } from '../../src/registry/model-metadata.js';
import { tempDir } from '../helpers/tmp.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, type OnnxModels } from './onnx-models.js';

interface PredictBody {
  predictions: Array<{ id: string; label?: string; probabilities?: Record<string, number> }>;
}
interface Logged {
  inputs: Record<string, unknown>;
  outputs: { label?: string };
}

const hashKey = 'a test key that is long enough';

describeWithPython('personal inputs in the prediction log', () => {
  let models: OnnxModels;
  let platform: Platform;
  let app: App;

  /** Registers columns-v1 as the next version of `name`, with `mark` applied to its metadata. */
  async function register(name: string, mark: (m: ModelMetadata) => unknown): Promise<number> {
    const dir = join(models.dir, 'columns-v1');
    const metadata = JSON.parse(readFileSync(join(dir, 'mloop-model.json'), 'utf8')) as ModelMetadata;
    const run = await platform.tracking.runs.create({ experimentId: '0' });
    const runId = run.info.runId;
    await platform.tracking.artifacts.putForRun(runId, 'm/model.onnx', readFileSync(join(dir, 'model.onnx')));
    const json = JSON.stringify(mark(metadata));
    await platform.tracking.artifacts.putForRun(runId, 'm/mloop-model.json', new TextEncoder().encode(json));
    try {
      await platform.registry.models.get(name);
    } catch {
      await platform.registry.models.create({ name });
    }
    return (await platform.registry.versions.create({ name, runId, artifactPath: 'm' })).version;
  }

  beforeAll(async () => {
    models = makeOnnxModels();
    const home = tempDir('mloop-pii-log-');
    const config = loadConfig(
      { home, databaseUrl: `sqlite:${join(home, 'mloop.db')}`, piiHashKey: hashKey },
      {},
    );
    platform = await openPlatform(config);
    await register('plain', (m) => m);
    await register('personal', (m) => ({
      ...m,
      inputs: m.inputs.map((f) =>
        f.name === 'sepal_length'
          ? { ...f, pii: true }
          : f.name === 'petal_count'
            ? { ...f, pii: 'hash' }
            : f,
      ),
    }));
    app = await buildServer(platform);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const predict = async (model: string, records: unknown[]) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/serving/${model}/predict`,
      payload: { records },
    });
    expect(res.statusCode).toBe(200);
    return res.json<PredictBody>();
  };
  const logged = async (id: string): Promise<Logged> => {
    await platform.serving.log.flush();
    const res = await app.inject({ method: 'GET', url: `/api/v1/predictions/${id}` });
    expect(res.statusCode).toBe(200);
    return res.json<Logged>();
  };

  it('logs [redacted] and a keyed hash in place of the marked inputs, and answers as without them', async () => {
    const rows = models.expected.rows;
    const plain = await predict('plain', rows);
    const personal = await predict('personal', rows);
    expect(personal.predictions.map((p) => p.label)).toEqual(plain.predictions.map((p) => p.label));
    expect(personal.predictions.map((p) => p.label)).toEqual(models.expected.models['columns-v1'].labels);
    personal.predictions.forEach((p, i) => {
      for (const [label, value] of Object.entries(plain.predictions[i]!.probabilities ?? {}))
        expect(p.probabilities?.[label]).toBeCloseTo(value, 6);
    });

    const first = await logged(personal.predictions[0]!.id);
    const row = rows[0]!;
    const hmac = createHmac('sha256', hashKey).update(String(row.petal_count)).digest('hex');
    expect(first.inputs).toEqual({
      ...row,
      sepal_length: '[redacted]',
      petal_count: `hmac:${hmac.slice(0, 32)}`,
    });
    expect(first.outputs.label).toBe(personal.predictions[0]!.label);
    // The unmarked model logs its inputs as sent.
    expect((await logged(plain.predictions[0]!.id)).inputs).toEqual(row);
  });

  it('gives the same value the same hash across requests, and different values different hashes', async () => {
    const row = models.expected.rows[0]!;
    const a = await predict('personal', [{ ...row, petal_count: 7 }]);
    const b = await predict('personal', [{ ...row, petal_count: 7 }]);
    const c = await predict('personal', [{ ...row, petal_count: 8 }]);
    const [la, lb, lc] = await Promise.all([a, b, c].map((r) => logged(r.predictions[0]!.id)));
    expect(la!.inputs.petal_count).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(lb!.inputs.petal_count).toBe(la!.inputs.petal_count);
    expect(lc!.inputs.petal_count).not.toBe(la!.inputs.petal_count);
  });

  it('forgets a subject by an input column, whether the log kept it hashed or as sent', async () => {
    const row = models.expected.rows[0]!;
    const hashed = await predict('personal', [
      { ...row, petal_count: 901 },
      { ...row, petal_count: 901 },
    ]);
    const sent = await predict('plain', [
      { ...row, petal_count: 901 },
      // Its logged text starts like 901's: the LIKE narrowing matches it, the parsed check must not.
      { ...row, petal_count: 9012 },
    ]);
    const other = await predict('personal', [{ ...row, petal_count: 902 }]);
    await platform.serving.log.flush();
    const label = await app.inject({
      method: 'POST',
      url: '/api/v1/feedback',
      payload: { labels: [{ prediction_id: hashed.predictions[0]!.id, label: 'setosa' }] },
    });
    expect(label.statusCode, label.body).toBe(200);

    const forget = await app.inject({
      method: 'POST',
      url: '/api/v1/privacy/forget',
      payload: { column: 'petal_count', value: '901' },
    });
    expect(forget.statusCode, forget.body).toBe(200);
    expect(forget.json()).toEqual({
      column: 'petal_count',
      value: '901',
      predictions_deleted: 3,
      feedback_deleted: 1,
    });
    const status = async (id: string) =>
      (await app.inject({ method: 'GET', url: `/api/v1/predictions/${id}` })).statusCode;
    for (const p of [...hashed.predictions, sent.predictions[0]!]) expect(await status(p.id)).toBe(404);
    expect(await status(sent.predictions[1]!.id)).toBe(200);
    expect(await status(other.predictions[0]!.id)).toBe(200);
  });

  it('answers 400 naming the field when the subject to forget is not named once', async () => {
    for (const [payload, field] of [
      [{}, 'subject_key'],
      [{ subject_key: 'user-1', column: 'petal_count', value: '1' }, 'subject_key'],
      [{ column: 'petal_count' }, 'value'],
      [{ column: ' ', value: '1' }, 'column'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/privacy/forget', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ field });
    }
  });

  it('refuses a model file whose pii marking is neither a boolean, redact nor hash, naming the field', async () => {
    const version = await register('bad', (m) => ({
      ...m,
      inputs: m.inputs.map((f, i) => (i === 1 ? { ...f, pii: 'mask' } : f)),
    }));
    const registered = await platform.registry.versions.get('bad', version);
    expect(registered.statusMessage).toMatch(/inputs\[1\]\.pii" must be true, false, "redact" or "hash"/);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/serving/bad/predict',
      payload: { records: models.expected.rows },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/inputs\[1\]\.pii/);
  });
});
