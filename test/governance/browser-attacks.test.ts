import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig, type ConfigOverrides } from '../../src/core/config.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../../src/governance/local-admin-token.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';

const evil = 'https://evil.example';

/** A pipeline whose cron trigger and shell command would leave `marker` behind if it ever ran. */
const pipelineYaml = (marker: string) => `name: planted
triggers:
  cron: '* * * * *'
steps:
  own:
    command: touch ${marker}
`;

async function open(
  overrides: ConfigOverrides = {},
): Promise<{ platform: Platform; app: App; home: string }> {
  const home = tempDir('mloop-browser-attacks-');
  const platform = await openPlatform(
    loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}`, ...overrides }, {}),
  );
  return { platform, app: await buildServer(platform, { logger: false }), home };
}

describe('a default server (loopback, no tokens) against pages of other sites', () => {
  let platform: Platform;
  let app: App;
  let home: string;
  let admin: string;

  beforeAll(async () => {
    ({ platform, app, home } = await open());
    admin = readFileSync(join(home, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim();
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const pipelines = async () =>
    (await app.inject({ url: '/api/v1/pipelines' })).json().pipelines.map((p: { name: string }) => p.name);

  it('refuses the cross-site text/plain POST that would register a cron pipeline running a shell command', async () => {
    const marker = join(home, 'owned');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: evil },
      payload: pipelineYaml(marker),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/Cross-origin request refused: https:\/\/evil\.example/);
    expect(await pipelines()).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a cross-site form POST or no-cors fetch to a route without a body (cancel, rerun)', async () => {
    for (const headers of [
      { 'content-type': 'application/x-www-form-urlencoded', origin: evil },
      { 'content-type': 'text/plain', origin: 'null' }, // a sandboxed frame or a data: page
      { 'content-type': 'multipart/form-data; boundary=x', referer: `${evil}/page.html` },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/pipeline-runs/prun_x/rerun',
        headers,
        payload: 'a=1',
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
    }
  });

  it('refuses a request whose Host is another name (DNS rebinding), reads included', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await app.inject({
        method,
        url: '/api/v1/experiments',
        headers: { host: 'attacker.example:5050' },
        ...(method === 'POST' ? { payload: { name: 'rebound' } } : {}),
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/Host 'attacker\.example:5050' is not a name of this server/);
    }
    for (const host of ['localhost:5050', '127.0.0.1:5050', '[::1]:5050'])
      expect((await app.inject({ url: '/api/v1/experiments', headers: { host } })).statusCode, host).toBe(
        200,
      );
    expect((await app.inject({ url: '/api/v1/experiments/by-name/rebound' })).statusCode).toBe(404);
  });

  it("takes the dashboard's own same-origin requests and clients that send no Origin", async () => {
    const same = await app.inject({
      method: 'POST',
      url: '/api/v1/experiments',
      headers: {
        host: 'localhost:5050',
        origin: 'http://localhost:5050',
        referer: 'http://localhost:5050/x',
      },
      payload: { name: 'from-the-dashboard' },
    });
    expect(same.statusCode, same.body).toBe(201);
    const cli = await app.inject({
      method: 'POST',
      url: '/api/v1/experiments',
      payload: { name: 'from-cli' },
    });
    expect(cli.statusCode, cli.body).toBe(201);
    // Another port of the same machine is another origin.
    const otherPort = await app.inject({
      method: 'POST',
      url: '/api/v1/experiments',
      headers: { host: 'localhost:5050', origin: 'http://localhost:3000' },
      payload: { name: 'from-another-port' },
    });
    expect(otherPort.statusCode).toBe(403);
  });

  it('refuses look-alike origins and hosts', async () => {
    for (const origin of [
      'http://localhost:5050.evil.example',
      'http://localhost.evil.example:5050',
      'https://localhost:5051',
      'http://localhost@evil.example:5050',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/experiments',
        headers: { host: 'localhost:5050', origin },
        payload: { name: 'look-alike' },
      });
      expect(res.statusCode, origin).toBe(403);
    }
    for (const host of [
      'localhost.evil.example',
      '127.0.0.1.nip.io:5050',
      'evil.example:5050#@localhost',
      '0.0.0.0:5050',
    ])
      expect((await app.inject({ url: '/api/v1/experiments', headers: { host } })).statusCode, host).toBe(
        403,
      );
    expect((await app.inject({ url: '/api/v1/experiments/by-name/look-alike' })).statusCode).toBe(404);
  });

  it('answers no CORS headers to other origins, so their pages cannot read answers', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/experiments',
      headers: { origin: evil, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const read = await app.inject({ url: '/api/v1/experiments', headers: { origin: evil } });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('takes only application/json on JSON routes, and names the types a route takes', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${admin}` },
      payload: pipelineYaml(join(home, 'owned')),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(
      'POST /api/v1/pipelines takes application/json or application/yaml or application/x-yaml or text/yaml, not text/plain',
    );
    const form = await app.inject({
      method: 'POST',
      url: '/api/v1/pipeline-runs/prun_x/cancel',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect(form.statusCode).toBe(400);
    expect(form.json().message).toMatch(/takes application\/json, not application\/x-www-form-urlencoded/);
    expect(await pipelines()).toEqual([]);
  });

  it('needs the local admin token to register or run a pipeline, even on loopback', async () => {
    const marker = join(home, 'ran');
    const yaml = {
      yaml: pipelineYaml(marker).replace("  cron: '* * * * *'\n", '').replace('triggers:\n', ''),
    };
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/pipelines', payload: yaml });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().message).toMatch(/local admin token/);
    const { secret: editor } = await platform.governance.tokens.create({ name: 'not-admin', user: 'bob' });
    const notAdmin = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: { authorization: `Bearer ${editor}` },
      payload: yaml,
    });
    expect(notAdmin.statusCode).toBe(403);
    // Nor can a token be minted without it, which would lead to the same place.
    const minted = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'mine', user: 'eve', admin: true },
    });
    expect(minted.statusCode).toBe(401);
    expect(await pipelines()).toEqual([]);

    const asAdmin = { authorization: `Bearer ${admin}` };
    const registered = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: asAdmin,
      payload: yaml,
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const refused = await app.inject({ method: 'POST', url: '/api/v1/pipelines/planted/runs', payload: {} });
    expect(refused.statusCode).toBe(401);
    expect(existsSync(marker)).toBe(false);
    const started = await app.inject({
      method: 'POST',
      url: '/api/v1/pipelines/planted/runs',
      headers: asAdmin,
      payload: {},
    });
    expect(started.statusCode, started.body).toBe(201);
  });

  it('keeps the local admin token in the home, readable by its owner only, across restarts', async () => {
    const path = join(home, LOCAL_ADMIN_TOKEN_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await buildServer(platform, { logger: false });
    await again.close();
    expect(readFileSync(path, 'utf8').trim()).toBe(admin);
  });
});

describe('allowed origins and hosts', () => {
  it('lets a listed origin change state and read answers (CORS), and a listed host in', async () => {
    const { platform, app } = await open({
      allowedOrigins: ['https://notebooks.example.com/'],
      allowedHosts: ['.example.com'],
    });
    try {
      const origin = 'https://notebooks.example.com';
      const preflight = await app.inject({
        method: 'OPTIONS',
        url: '/api/v1/experiments',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(preflight.headers['access-control-allow-headers']).toMatch(/content-type/);
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/experiments',
        headers: { origin, host: 'mloop.example.com' },
        payload: { name: 'from-a-notebook' },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.headers['access-control-allow-origin']).toBe(origin);
      expect(
        (await app.inject({ url: '/api/v1/experiments', headers: { host: 'example.com' } })).statusCode,
      ).toBe(200);
      expect(
        (await app.inject({ url: '/api/v1/experiments', headers: { host: 'example.org' } })).statusCode,
      ).toBe(403);
    } finally {
      await app.close();
      await platform.close();
    }
  });

  it("takes any Host with --allowed-hosts '*'", async () => {
    const { platform, app } = await open({ allowedHosts: ['*'] });
    try {
      expect(
        (await app.inject({ url: '/api/v1/experiments', headers: { host: 'anything.example' } })).statusCode,
      ).toBe(200);
    } finally {
      await app.close();
      await platform.close();
    }
  });
});
