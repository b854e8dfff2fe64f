import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

type Answer = { data: Record<string, unknown> | null; errors: string[] | null };

// /graphql reaches objects its route cannot name, so each field checks the caller's role in the
// project of what it reads; the request itself passes the same guards as every JSON route.
describeEachDialect('MLflow GraphQL on a server that requires tokens', (dialect) => {
  let platform: Platform;
  let app: App;
  let admin: string;
  let alphaViewer: string;
  let alphaRun: string;
  let defaultRun: string;
  const alphaModel = 'gql-alpha-model';
  const defaultModel = 'gql-default-model';

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/graphql', headers, payload: payload as object });
  const graphql = async (query: string, secret: string): Promise<Answer> => {
    const res = await post({ query }, { authorization: `Bearer ${secret}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Answer>();
  };

  beforeAll(async () => {
    platform = await openTestPlatform(dialect, undefined, { rateLimitPerMinute: 0 });
    app = await buildServer(platform, { logger: false, auth: true });
    const { tokens, projects } = platform.governance;
    const { experiments, runs } = platform.tracking;
    admin = (await tokens.create({ name: 'admin', user: 'root', admin: true })).secret;
    alphaViewer = (await tokens.create({ name: 'alpha-viewer', user: 'ana' })).secret;
    await projects.setMember('alpha', 'ana', 'viewer');
    const alphaExperiment = await experiments.create({ name: 'gql-alpha' });
    await projects.assign('experiment', alphaExperiment, 'alpha');
    alphaRun = (await runs.create({ experimentId: alphaExperiment })).info.runId;
    defaultRun = (await runs.create({ experimentId: await experiments.create({ name: 'gql-default' }) })).info
      .runId;
    await projects.assign('model', alphaModel, 'alpha');
    for (const [name, run] of [
      [alphaModel, alphaRun],
      [defaultModel, defaultRun],
    ] as const) {
      const headers = { authorization: `Bearer ${admin}` };
      const mlflow = '/api/2.0/mlflow';
      await app.inject({
        method: 'POST',
        url: `${mlflow}/registered-models/create`,
        headers,
        payload: { name },
      });
      const created = await app.inject({
        method: 'POST',
        url: `${mlflow}/model-versions/create`,
        headers,
        payload: { name, source: `runs:/${run}/model`, run_id: run },
      });
      expect(created.statusCode, created.body).toBe(200);
    }
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it('answers 401 to a request without a token, as every non-public route', async () => {
    const res = await post({ query: '{ test(inputString: "a") { output } }' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error_code).toBe('UNAUTHENTICATED');
  });

  it('reads a run in a project where the caller holds a role, and refuses one where it holds none', async () => {
    const answer = await graphql(
      `{ a: mlflowGetRun(input: {runId: "${alphaRun}"}) { run { info { runId } experiment { name } } }
         d: mlflowGetRun(input: {runId: "${defaultRun}"}) { run { info { runId } } } }`,
      alphaViewer,
    );
    expect(answer.data).toEqual({
      a: { run: { info: { runId: alphaRun }, experiment: { name: 'gql-alpha' } } },
      d: null,
    });
    expect(answer.errors).toEqual([
      "Token 'alpha-viewer' (user 'ana') has no role in project 'default'; 'runs.read' needs the viewer role",
    ]);
  });

  it("lists only the model versions of models the caller may read, in a search and under a run's versions", async () => {
    const names = (versions: unknown) => (versions as Array<{ name: string }>).map((v) => v.name).sort();
    const query = `{ mlflowSearchModelVersions(input: {}) { modelVersions { name } }
      mlflowGetRun(input: {runId: "${alphaRun}"}) { run { modelVersions { name } } } }`;

    const asViewer = await graphql(query, alphaViewer);
    const asAdmin = await graphql(query, admin);

    const search = (a: Answer) =>
      (a.data?.mlflowSearchModelVersions as { modelVersions: unknown }).modelVersions;
    expect(asViewer.errors).toBeNull();
    expect(names(search(asViewer))).toEqual([alphaModel]);
    expect(names(search(asAdmin))).toEqual([alphaModel, defaultModel].sort());
  });

  it('refuses a search naming an experiment of a project where the caller holds no role', async () => {
    const defaultExperiment = (await platform.tracking.runs.get(defaultRun)).info.experimentId;
    const answer = await graphql(
      `mutation { mlflowSearchRuns(input: {experimentIds: ["${defaultExperiment}"]}) { runs { info { runId } } } }`,
      alphaViewer,
    );
    expect(answer.data).toEqual({ mlflowSearchRuns: null });
    expect(answer.errors?.[0]).toMatch(/has no role in project 'default'/);
  });

  it('refuses a POST from a page of another site, and a body that is not JSON, as every JSON route', async () => {
    const query = JSON.stringify({
      query: `{ mlflowGetRun(input: {runId: "${alphaRun}"}) { run { info { runId } } } }`,
    });
    const crossSite = await post(query, {
      authorization: `Bearer ${admin}`,
      origin: 'https://evil.example',
      'content-type': 'application/json',
    });
    const plainText = await post(query, { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' });

    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().message).toMatch(/Cross-origin request refused/);
    expect(plainText.statusCode).toBe(400);
  });
});
