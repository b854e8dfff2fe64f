import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeActionsOf } from '../../src/api/auth.js';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { can, roles, type Action, type Role } from '../../src/governance/roles.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

let platform: Platform;
let app: App;
let base: string;
const secrets = new Map<Role | 'outsider', string>();

beforeAll(async () => {
  const home = tempDir('mloop-authz-');
  platform = await openPlatform(
    loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}`, rateLimitPerMinute: 0 }, {}),
  );
  app = await buildServer(platform, { logger: false, auth: true });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  const { tokens, projects } = platform.governance;
  for (const role of roles) {
    await projects.setMember('default', `${role}-user`, role);
    secrets.set(role, (await tokens.create({ name: `${role}-token`, user: `${role}-user` })).secret);
  }
  secrets.set('outsider', (await tokens.create({ name: 'outsider', user: 'nobody' })).secret);
});

afterAll(async () => {
  await app?.close();
  await platform?.close();
});

function concrete(url: string): string {
  return url.replace(/:\w+/g, 'x').replace('*', 'x');
}

async function call(
  method: string,
  url: string,
  secret?: string,
  body: object = {},
  at: string = base,
): Promise<number> {
  const headers: Record<string, string> = {};
  if (secret) headers.authorization = `Bearer ${secret}`;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
  if (hasBody) headers['content-type'] = 'application/json';
  const response = await fetch(at + concrete(url), {
    method,
    headers,
    ...(hasBody ? { body: JSON.stringify(body) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('authorization matrix', () => {
  it('maps every registered route to an action, so none is reachable unprotected by accident', () => {
    const unmapped = routeActionsOf(app).filter((r) => r.action === undefined && r.method !== 'HEAD');
    expect(unmapped.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('answers 401 without a token on every non-public route', async () => {
    const wrong: string[] = [];
    for (const route of routeActionsOf(app)) {
      if (route.action === 'public' || route.method === 'HEAD') continue;
      const status = await call(route.method, route.url);
      if (status !== 401) wrong.push(`${route.method} ${route.url} -> ${status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 401 to a revoked token', async () => {
    const { secret } = await platform.governance.tokens.create({ name: 'short-lived', user: 'viewer-user' });
    expect(await call('GET', '/api/v1/models', secret)).toBe(200);
    await platform.governance.tokens.revoke('short-lived');
    expect(await call('GET', '/api/v1/models', secret)).toBe(401);
  });

  for (const who of [...roles, 'outsider'] as const) {
    it(`lets the ${who} do exactly what its role allows (403 otherwise)`, async () => {
      const wrong: string[] = [];
      const role = who === 'outsider' ? undefined : who;
      for (const route of routeActionsOf(app)) {
        if (route.method === 'HEAD' || route.action === undefined) continue;
        const status = await call(route.method, route.url, secrets.get(who));
        const allowed = can(role, route.action);
        if (allowed ? status === 401 || status === 403 : status !== 403)
          wrong.push(`${route.method} ${route.url} (${route.action}) -> ${status}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('takes the token as the password of HTTP basic auth, as the MLflow client sends it', async () => {
    const basic = Buffer.from(`anyone:${secrets.get('viewer')}`).toString('base64');
    const response = await fetch(`${base}/api/2.0/mlflow/experiments/search?max_results=1`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(response.status).toBe(200);
  });

  it('needs a maintainer to move a protected alias, an editor for any other', async () => {
    const move = (alias: string, who: Role) =>
      fetch(`${base}/api/v1/models/churn/aliases/${alias}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${secrets.get(who)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version: 1 }),
      }).then((r) => r.status);
    expect(await move('production', 'editor')).toBe(403);
    expect(await move('staging', 'editor')).not.toBe(403);
    expect(await move('production', 'maintainer')).not.toBe(403);
  });
});

describeEachDialect('authorization across two projects', (dialect) => {
  // Its own server, on each dialect: project resolution reads the store.
  let platform: Platform;
  let app: App;
  let base: string;
  const projectNames = ['alpha', 'beta'] as const;
  type ProjectName = (typeof projectNames)[number];
  /** One read and one write of an object of each kind, per project: [method, path, action, body]. */
  type Probe = [string, string, Action, object?];
  const probes = new Map<ProjectName, Record<string, { read: Probe; write: Probe }>>();
  /** Users and their role in each project. */
  const users: Record<string, Record<ProjectName, Role>> = {
    'editor-a-viewer-b': { alpha: 'editor', beta: 'viewer' },
    'viewer-a-editor-b': { alpha: 'viewer', beta: 'editor' },
    'maintainer-a-viewer-b': { alpha: 'maintainer', beta: 'viewer' },
  };
  const userSecrets = new Map<string, string>();

  /** Ids of each project's experiment and run, and a secret per user. */
  const ids = new Map<ProjectName, { experimentId: string; runId: string; promotion: string }>();
  const as = (user: string, method: string, path: string, body?: object) =>
    call(method, path, userSecrets.get(user), body, base);

  beforeAll(async () => {
    platform = await openTestPlatform(dialect, undefined, { rateLimitPerMinute: 0 });
    app = await buildServer(platform, { logger: false, auth: true });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const { tracking, registry, serving, monitoring, governance } = platform;
    const admin = (await governance.tokens.create({ name: 'assigner', user: 'assigner', admin: true }))
      .secret;
    const assign = async (project: string, kind: string, name: string) => {
      const response = await fetch(`${base}/api/v1/projects/${project}/objects`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind, name }),
      });
      expect(response.status).toBe(200);
    };
    for (const p of projectNames) {
      const experimentId = await tracking.experiments.create({ name: `experiment-${p}` });
      const runId = (await tracking.runs.create({ experimentId })).info.runId;
      await registry.models.create({ name: `model-${p}` });
      serving.log.append([
        {
          id: `prediction-${p}`,
          requestId: `request-${p}`,
          time: Date.now(),
          model: `model-${p}`,
          version: 1,
          deployment: undefined,
          arm: 'default',
          inputs: { a: 1 },
          outputs: { label: 'yes' },
          latencyMs: 1,
          requestKey: undefined,
        },
      ]);
      await serving.log.flush();
      await monitoring.alerts.rules.create({
        name: `alert-${p}`,
        model: `model-${p}@champion`,
        kind: 'metric_below',
        metric: 'accuracy',
        threshold: 0.5,
        window: '1h',
      });
      // One operation moves each kind in (an experiment by name); the others follow their owner.
      await assign(p, 'experiment', `experiment-${p}`);
      for (const kind of ['model', 'dataset', 'deployment', 'pipeline'])
        await assign(p, kind, `${kind}-${p}`);
      const loggedModel = (await tracking.loggedModels.create({ experimentId })).modelId;
      const promotion = await governance.promotionRequests.request({
        model: `model-${p}`,
        alias: 'production',
        version: 1,
        by: 'someone',
      });
      ids.set(p, { experimentId, runId, promotion: promotion.id });
      probes.set(p, {
        experiment: {
          read: ['GET', `/api/v1/experiments/${experimentId}`, 'experiments.read'],
          write: ['PUT', `/api/v1/experiments/${experimentId}/tags/team`, 'experiments.write', { value: p }],
        },
        'experiment by name': {
          read: ['GET', `/api/v1/experiments/by-name/experiment-${p}`, 'experiments.read'],
          write: ['POST', '/api/2.0/mlflow/runs/create', 'runs.write', { experiment_id: experimentId }],
        },
        run: {
          read: ['GET', `/api/v1/runs/${runId}`, 'runs.read'],
          write: ['POST', `/api/v1/runs/${runId}/log`, 'runs.write', { metrics: [] }],
        },
        'experiment through MLflow': {
          read: [
            'GET',
            `/api/2.0/mlflow/experiments/get-by-name?experiment_name=experiment-${p}`,
            'experiments.read',
          ],
          write: [
            'POST',
            '/api/2.0/mlflow/experiments/set-experiment-tag',
            'experiments.write',
            { experiment_id: experimentId, key: 'team', value: p },
          ],
        },
        'logged model': {
          read: [
            'GET',
            `/api/2.0/mlflow/logged-models/${loggedModel}/artifacts/files?artifact_file_path=MLmodel`,
            'runs.read',
          ],
          write: [
            'PATCH',
            `/api/2.0/mlflow/logged-models/${loggedModel}/tags`,
            'runs.write',
            { tags: [{ key: 'team', value: p }] },
          ],
        },
        'run through MLflow': {
          read: ['POST', '/api/2.0/mlflow/runs/search', 'runs.read', { experiment_ids: [experimentId] }],
          write: [
            'POST',
            '/api/2.0/mlflow/runs/log-metric',
            'runs.write',
            { run_id: runId, key: 'm', value: 1, timestamp: 0 },
          ],
        },
        "run's files through MLflow's artifact proxy": {
          read: [
            'GET',
            `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/a.json`,
            'runs.read',
          ],
          write: [
            'PUT',
            `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/a.json`,
            'runs.write',
          ],
        },
        model: {
          read: ['GET', `/api/v1/models/model-${p}`, 'models.read'],
          write: ['PATCH', `/api/v1/models/model-${p}`, 'models.write', { description: 'x' }],
        },
        dataset: {
          read: ['GET', `/api/v1/datasets/dataset-${p}/versions`, 'datasets.read'],
          write: ['POST', `/api/v1/datasets/dataset-${p}/versions`, 'datasets.write'],
        },
        deployment: {
          read: ['GET', `/api/v1/deployments/deployment-${p}`, 'deployments.read'],
          write: ['PATCH', `/api/v1/deployments/deployment-${p}`, 'deployments.write', { description: 'x' }],
        },
        pipeline: {
          read: ['GET', `/api/v1/pipelines/pipeline-${p}`, 'runs.read'],
          write: ['POST', `/api/v1/pipelines/pipeline-${p}/runs`, 'runs.write'],
        },
        prediction: {
          read: ['GET', `/api/v1/predictions/prediction-${p}`, 'predictions.read'],
          write: [
            'POST',
            '/api/v1/feedback',
            'feedback.write',
            { prediction_id: `prediction-${p}`, label: 'no' },
          ],
        },
        'promotion request': {
          read: ['GET', `/api/v1/promotion-requests?model=model-${p}`, 'models.read'],
          write: ['POST', `/api/v1/promotion-requests/${promotion.id}/reject`, 'promotions.approve'],
        },
        alert: {
          read: ['GET', `/api/v1/alert-rules/alert-${p}`, 'monitoring.read'],
          write: ['POST', `/api/v1/alert-rules/alert-${p}/disable`, 'alerts.write'],
        },
      });
    }
    await assign('beta', 'model', 'taken-by-beta');
    for (const [user, rolesByProject] of Object.entries(users)) {
      for (const p of projectNames) await governance.projects.setMember(p, user, rolesByProject[p]);
      userSecrets.set(user, (await governance.tokens.create({ name: user, user })).secret);
    }
    // Maintainer everywhere but alpha, where it only reads.
    for (const [p, role] of [
      ['default', 'maintainer'],
      ['beta', 'maintainer'],
      ['alpha', 'viewer'],
    ] as const)
      await governance.projects.setMember(p, 'maintainer-but-a', role);
    userSecrets.set(
      'maintainer-but-a',
      (await governance.tokens.create({ name: 'mba', user: 'maintainer-but-a' })).secret,
    );
    await governance.projects.setMember('beta', 'beta-only', 'viewer');
    userSecrets.set('beta-only', (await governance.tokens.create({ name: 'bo', user: 'beta-only' })).secret);
  });

  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  for (const [user, rolesByProject] of Object.entries(users)) {
    it(`lets ${user} act on each kind of object by its role in the object's own project`, async () => {
      const wrong: string[] = [];
      for (const p of projectNames) {
        for (const [kind, { read, write }] of Object.entries(probes.get(p) ?? {})) {
          for (const [method, path, action, body] of [read, write]) {
            const status = await as(user, method, path, body);
            const allowed = can(rolesByProject[p], action);
            if (allowed ? status === 401 || status === 403 : status !== 403)
              wrong.push(`${kind} in ${p}: ${method} ${path} (${action}) -> ${status}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('is not vacuous: every kind has a write the editor of one project may do and its viewer may not', () => {
    for (const kind of Object.keys(probes.get('alpha') ?? {})) {
      const action = probes.get('alpha')?.[kind]?.write[2] as Action;
      const who = kind === 'deployment' || kind === 'promotion request' ? 'maintainer' : 'editor';
      expect([kind, can(who, action), can('viewer', action)]).toEqual([kind, true, false]);
    }
  });

  it('needs the role in every project a search or bulk read names', async () => {
    const [alpha, beta] = [ids.get('alpha'), ids.get('beta')];
    const outsider = userSecrets.get('beta-only');
    const searchAsOutsider = (experimentIds: (string | undefined)[]) =>
      call('POST', '/api/2.0/mlflow/runs/search', outsider, { experiment_ids: experimentIds }, base);
    expect(await searchAsOutsider([beta?.experimentId])).toBe(200);
    expect(await searchAsOutsider([beta?.experimentId, alpha?.experimentId])).toBe(403);
    const bulk = `/api/2.0/mlflow/metrics/get-history-bulk?metric_key=m&run_id=${beta?.runId}`;
    expect(await call('GET', bulk, outsider, {}, base)).toBe(200);
    expect(await call('GET', `${bulk}&run_id=${alpha?.runId}`, outsider, {}, base)).toBe(403);
  });

  it("needs the deployment role in the model's project to deploy a model", async () => {
    const deploy = (model: string) =>
      fetch(`${base}/api/v1/deployments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${userSecrets.get('maintainer-but-a')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: `serves-${model}`, model }),
      });
    const refused = await deploy('model-alpha');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain("in project 'alpha'");
    expect((await deploy('model-beta')).status).not.toBe(403);
  });

  it("reads lineage, and approves a model's promotion, only with a role in its project", async () => {
    const [alpha, beta] = [ids.get('alpha'), ids.get('beta')];
    expect(await as('beta-only', 'GET', `/api/v1/lineage/run/${beta?.runId}`)).toBe(200);
    expect(await as('beta-only', 'GET', `/api/v1/lineage/run/${alpha?.runId}`)).toBe(403);
    expect(await as('beta-only', 'GET', '/api/v1/lineage/model-version/model-alpha/1')).toBe(403);
    // A maintainer of default and beta approving alpha's request would move alpha's alias.
    const approve = `/api/v1/promotion-requests/${alpha?.promotion}/approve`;
    expect(await as('maintainer-but-a', 'POST', approve)).toBe(403);
  });

  it("needs a role in the source's project to register a version from another project's run", async () => {
    const [alpha, beta] = [ids.get('alpha'), ids.get('beta')];
    const register = (run: string | undefined) =>
      as('maintainer-but-a', 'POST', '/api/v1/models/model-beta/versions', { source: `runs:/${run}/model` });
    expect(await register(alpha?.runId)).toBe(403);
    expect(await register(beta?.runId)).not.toBe(403);
    const mlflow = { name: 'model-beta', source: `runs:/${alpha?.runId}/model`, run_id: alpha?.runId };
    expect(await as('maintainer-but-a', 'POST', '/api/2.0/mlflow/model-versions/create', mlflow)).toBe(403);
    const logged = { runId: alpha?.runId, artifactPath: 'model' };
    expect(await as('maintainer-but-a', 'POST', '/api/v1/models/model-beta/versions', logged)).toBe(403);
  });

  it('refuses to rename a model into a name another project holds', async () => {
    const user = 'editor-a-viewer-b';
    expect(await as(user, 'PATCH', '/api/v1/models/model-alpha', { name: 'taken-by-beta' })).toBe(403);
    const mlflowRename = { name: 'model-alpha', new_name: 'taken-by-beta' };
    expect(await as(user, 'POST', '/api/2.0/mlflow/registered-models/rename', mlflowRename)).toBe(403);
    expect(await platform.registry.models.get('model-alpha')).toMatchObject({ name: 'model-alpha' });
  });

  it('refuses to assign a kind that follows its owner, naming the kinds that can be assigned', async () => {
    const admin = (await platform.governance.tokens.create({ name: 'assigner-2', user: 'x', admin: true }))
      .secret;
    const response = await fetch(`${base}/api/v1/projects/alpha/objects`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'run', name: 'r1' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain(
      'runs follow their experiment',
    );
  });
});
