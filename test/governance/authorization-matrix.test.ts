import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeActionsOf } from '../../src/api/auth.js';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { can, roles, type Role } from '../../src/governance/roles.js';
import { openPlatform, type Platform } from '../../src/platform.js';
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

async function call(method: string, url: string, secret?: string): Promise<number> {
  const headers: Record<string, string> = {};
  if (secret) headers.authorization = `Bearer ${secret}`;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
  if (hasBody) headers['content-type'] = 'application/json';
  const response = await fetch(base + concrete(url), { method, headers, ...(hasBody ? { body: '{}' } : {}) });
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
