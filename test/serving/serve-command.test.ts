import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { makeOnnxModels, registerOnnxModels, type OnnxModels } from './onnx-models.js';

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWithPython('mloop serve NAME@ALIAS: one model in its own process', () => {
  let models: OnnxModels;
  let home: string;
  let platform: Platform;
  let server: ServerProcess;

  beforeAll(async () => {
    models = makeOnnxModels();
    home = tempDir('mloop-serve-');
    platform = await openPlatform(loadConfig({ home }, {}));
    await registerOnnxModels(platform, models, 'iris', ['columns-v1', 'columns-v2']);
    await platform.registry.aliases.set('iris', 'champion', 1);
    server = await startServer({
      home,
      command: 'serve',
      args: ['iris@champion', '--refresh-interval', '50'],
    });
  });
  afterAll(async () => {
    await server?.stop();
    await platform?.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('serves /predict, /invocations and /v2 at the root, naming the version', async () => {
    const predict = await post('/predict', { records: models.expected.rows });
    expect(predict.status).toBe(200);
    expect(predict.headers.get('x-mloop-model-version')).toBe('1');
    const body = (await predict.json()) as { model_version: string; predictions: Array<{ label: string }> };
    expect(body.model_version).toBe('1');
    expect(body.predictions.map((p) => p.label)).toEqual(models.expected.models['columns-v1'].labels);

    const invocations = await post('/invocations', { dataframe_records: models.expected.rows });
    expect(((await invocations.json()) as { predictions: string[] }).predictions).toEqual(
      models.expected.models['columns-v1'].labels,
    );

    const row = models.expected.rows[0] ?? {};
    const infer = await post('/v2/models/iris/infer', {
      inputs: Object.entries(row).map(([name, value]) => ({
        name,
        datatype: name === 'petal_count' ? 'INT64' : 'FP32',
        shape: [1, 1],
        data: [value],
      })),
    });
    expect(infer.status).toBe(200);
    expect(((await infer.json()) as { outputs: Array<{ data: unknown[] }> }).outputs[0]?.data).toEqual([
      models.expected.models['columns-v1'].labels?.[0],
    ]);
    expect((await fetch(`${server.url}/v2/models/other`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/v2/health/ready`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(
      /mloop_serving_requests_total\{model="iris",version="1",arm="default"\}/,
    );
  });

  it('answers invalid input with a 400 naming the feature', async () => {
    const res = await post('/predict', { record: { ...models.expected.rows[0], petal_width: 'thin' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'records[0].petal_width' });
  });

  it('follows the alias when another process moves it', async () => {
    await platform.registry.aliases.set('iris', 'champion', 2);
    await until(async () => {
      const res = await post('/predict', { records: models.expected.rows });
      return res.headers.get('x-mloop-model-version') === '2';
    }, 'the server to serve version 2');
    const res = await post('/predict', { records: models.expected.rows });
    const body = (await res.json()) as { predictions: Array<{ label: string }> };
    expect(body.predictions.map((p) => p.label)).toEqual(models.expected.models['columns-v2'].labels);
  });

  it('writes every prediction to the log by the time it has shut down', async () => {
    const res = await post('/predict', { records: models.expected.rows.slice(0, 3) });
    const ids = ((await res.json()) as { predictions: Array<{ id: string }> }).predictions.map((p) => p.id);
    await server.stop();
    for (const id of ids) expect((await platform.serving.log.get(id)).model).toBe('iris');
    const page = await platform.serving.log.list({ model: 'iris', maxResults: 1000 });
    expect(page.items.length).toBeGreaterThanOrEqual(models.expected.rows.length * 3);
  });
});

describeWithPython('mloop serve --auth: tokens as on mloop server', () => {
  let models: OnnxModels;
  let home: string;
  let platform: Platform;
  let secret: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    models = makeOnnxModels();
    home = tempDir('mloop-serve-auth-');
    platform = await openPlatform(loadConfig({ home }, {}));
    await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
    await platform.registry.aliases.set('iris', 'champion', 1);
    await platform.governance.projects.setMember('default', 'scorer', 'viewer');
    secret = (await platform.governance.tokens.create({ name: 'scorer', user: 'scorer' })).secret;
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await platform?.close();
  });

  const predict = (server: ServerProcess, token?: string) =>
    fetch(`${server.url}/predict`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ records: models.expected.rows.slice(0, 1) }),
    });

  it('with --auth on, refuses /predict without a token and scores with one', async () => {
    const server = await startServer({ home, command: 'serve', args: ['iris@champion', '--auth', 'on'] });
    servers.push(server);
    const refused = await predict(server);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error_code: string }).error_code).toBe('UNAUTHENTICATED');
    expect((await predict(server, 'mlp_not-a-token')).status).toBe(401);
    const scored = await predict(server, secret);
    expect(scored.status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('takes MLOOP_AUTH from the environment, as the server does', async () => {
    const server = await startServer({
      home,
      command: 'serve',
      args: ['iris@champion'],
      env: { MLOOP_AUTH: 'on' },
    });
    servers.push(server);
    expect((await predict(server)).status).toBe(401);
    expect((await predict(server, secret)).status).toBe(200);
  });

  it("takes a role in the served model's project, as the server's own serving routes do", async () => {
    await platform.governance.projects.assign('model', 'iris', 'fraud');
    await platform.governance.projects.setMember('fraud', 'fraud-scorer', 'viewer');
    const fraudScorer = (await platform.governance.tokens.create({ name: 'fs', user: 'fraud-scorer' }))
      .secret;
    const server = await startServer({ home, command: 'serve', args: ['iris@champion', '--auth', 'on'] });
    servers.push(server);
    expect((await predict(server, fraudScorer)).status).toBe(200);
    // A role in default no longer reaches a model of another project.
    const refused = await predict(server, secret);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain("project 'fraud'");
  });
});
