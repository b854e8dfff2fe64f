import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

// A trace belongs to its experiment's project: a token with a role only in `default` reads and
// writes the traces of default's experiments, and none of another project's, however the request
// names them (path, trace_ids, locations, a new trace's location).
describeEachDialect('traces follow their experiment into its project', (dialect) => {
  let platform: Platform;
  let app: App;
  let base: string;
  let secret: string;
  const ids = { own: '', other: '', ownTrace: 'tr-' + 'a'.repeat(32), otherTrace: 'tr-' + 'b'.repeat(32) };

  const traceInfo = (traceId: string, experimentId: string) => ({
    trace_id: traceId,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
    request_time: '2026-08-01T00:00:00Z',
    state: 'OK',
  });
  const call = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await response.arrayBuffer();
    return response.status;
  };

  beforeAll(async () => {
    platform = await openTestPlatform(dialect, undefined, { rateLimitPerMinute: 0 });
    app = await buildServer(platform, { logger: false, auth: true });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const { tracking, governance } = platform;
    ids.own = await tracking.experiments.create({ name: 'ours' });
    ids.other = await tracking.experiments.create({ name: 'theirs' });
    await governance.projects.assign('experiment', ids.other, 'beta');
    await governance.projects.setMember('default', 'ana', 'editor');
    secret = (await governance.tokens.create({ name: 'ana', user: 'ana' })).secret;
    for (const [traceId, experimentId] of [
      [ids.ownTrace, ids.own],
      [ids.otherTrace, ids.other],
    ] as const) {
      await tracking.traces.start({
        traceId,
        experimentId,
        clientRequestId: undefined,
        requestTime: 1,
        executionDuration: 1,
        state: 'OK',
        requestPreview: undefined,
        responsePreview: undefined,
        metadata: {},
        tags: {},
        assessments: [],
      });
    }
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("reads and writes its own project's traces and none of another's", async () => {
    const v3 = '/api/3.0/mlflow/traces';
    const location = (id: string) => [
      { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: id } },
    ];
    expect(await call('GET', `${v3}/${ids.ownTrace}`)).toBe(200);
    expect(await call('GET', `${v3}/${ids.otherTrace}`)).toBe(403);
    expect(await call('GET', `/api/v1/traces/${ids.ownTrace}`)).toBe(200);
    expect(await call('GET', `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${ids.otherTrace}`)).toBe(
      403,
    );
    expect(await call('GET', `/api/v1/traces/${ids.otherTrace}`)).toBe(403);
    expect(await call('GET', `/api/v1/experiments/${ids.other}/traces`)).toBe(403);
    expect(await call('POST', `${v3}/search`, { locations: location(ids.own) })).toBe(200);
    expect(await call('POST', `${v3}/search`, { locations: location(ids.other) })).toBe(403);
    expect(await call('POST', `${v3}/batchGetInfos`, { trace_ids: [ids.ownTrace, ids.otherTrace] })).toBe(
      403,
    );
    expect(await call('PATCH', `${v3}/${ids.otherTrace}/tags`, { key: 'k', value: 'v' })).toBe(403);
    expect(await call('POST', `${v3}/${ids.otherTrace}/assessments`, { assessment: {} })).toBe(403);
    expect(
      await call('POST', `${v3}/delete-traces`, { experiment_id: ids.other, request_ids: [ids.otherTrace] }),
    ).toBe(403);
    const newTrace = (experimentId: string, n: string) => ({
      trace: { trace_info: traceInfo(`tr-${n.repeat(32)}`, experimentId) },
    });
    expect(await call('POST', v3, newTrace(ids.other, 'c'))).toBe(403);
    expect(await call('POST', v3, newTrace(ids.own, 'd'))).toBe(200);
  });
});
