import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOCAL_ADMIN_TOKEN_FILE } from '../../src/governance/local-admin-token.js';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

const yaml = `
name: api-demo
params: {greeting: hello}
triggers:
  webhook: {secret_env: MLOOP_TEST_PIPELINE_SECRET}
steps:
  greet:
    outputs: {text: value}
    command: echo \${params.greeting} from a step | tee \${outputs.text}
`;

describeEachDialect('pipeline routes', (dialect) => {
  let platform: Platform;
  let app: App;
  beforeAll(async () => {
    process.env.MLOOP_TEST_PIPELINE_SECRET = 'ci-secret';
    platform = await openTestPlatform(dialect);
    app = await buildServer(platform, { logger: false });
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  // Without tokens (loopback), code-running routes take the local admin token the server made.
  const admin = () => ({
    authorization: `Bearer ${readFileSync(join(platform.config.home, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim()}`,
  });

  const waitForEnd = async (id: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const run = (await app.inject({ method: 'GET', url: `/api/v1/pipeline-runs/${id}` })).json();
      if (run.status !== 'RUNNING') return run;
      if (Date.now() > deadline) throw new Error('run did not finish');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('registers a pipeline from a YAML body, runs it with params, and serves its status and step logs', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: { 'content-type': 'application/yaml', ...admin() },
      payload: yaml,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'api-demo', source: { kind: 'yaml' } });
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/pipelines' }))
        .json()
        .pipelines.map((p: { name: string }) => p.name),
    ).toContain('api-demo');

    const started = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/api-demo/runs',
      headers: admin(),
      payload: { params: { greeting: 'hi' } },
    });
    expect(started.statusCode).toBe(201);
    const run = await waitForEnd(started.json().id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.trigger).toEqual({ kind: 'manual', detail: {} });
    expect(run.steps[0]).toMatchObject({
      step: 'greet',
      status: 'SUCCEEDED',
      cacheHit: false,
      outputs: { text: { kind: 'value', value: 'hi from a step' } },
    });
    const logs = await app.inject({ method: 'GET', url: `/api/v1/pipeline-runs/${run.id}/steps/greet/logs` });
    expect(logs.body).toContain('hi from a step');
    const listed = (await app.inject({ method: 'GET', url: '/api/v1/pipelines/api-demo/runs' })).json();
    expect(listed.runs[0].id).toBe(run.id);
    // The pipelines list carries each pipeline's newest run.
    const pipelines = (await app.inject({ method: 'GET', url: '/api/v1/pipelines' })).json().pipelines as {
      name: string;
      lastRun?: object;
    }[];
    expect(pipelines.find((p) => p.name === 'api-demo')?.lastRun).toEqual({
      id: run.id,
      status: 'SUCCEEDED',
      trigger: { kind: 'manual', detail: {} },
      startTime: run.startTime,
      endTime: run.endTime,
    });
  });

  it('answers 400 naming the field for bad YAML, unknown params and 404 for unknown runs', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: admin(),
      payload: { yaml: 'name: x\nsteps:\n  a:\n    command: x\n    retries: -1\n' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field: 'steps.a.retries' });
    const param = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/api-demo/runs',
      headers: admin(),
      payload: { params: { nope: 1 } },
    });
    expect(param.statusCode).toBe(400);
    expect(param.json()).toMatchObject({ field: 'params.nope' });
    expect((await app.inject({ method: 'GET', url: '/api/v1/pipeline-runs/prun_missing' })).statusCode).toBe(
      404,
    );
  });

  it('starts a run from the webhook with the shared secret and records commit and ref', async () => {
    const denied = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/api-demo/trigger',
      payload: { commit: 'abc123' },
    });
    expect(denied.statusCode).toBe(401);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/api-demo/trigger',
      headers: { authorization: 'Bearer ci-secret' },
      payload: { commit: 'deadbeef', ref: 'refs/heads/main', params: { greeting: 'hi' } },
    });
    expect(ok.statusCode).toBe(201);
    const run = await waitForEnd(ok.json().id);
    expect(run.trigger).toEqual({ kind: 'webhook', detail: { commit: 'deadbeef', ref: 'refs/heads/main' } });
    expect(run.steps[0].cacheHit).toBe(true); // same code and params as an earlier run
  });
});
