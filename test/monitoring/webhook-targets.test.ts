import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { deliverWebhook } from '../../src/monitoring/alerts/webhook.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

/** A local HTTP server answering every request with `answer`, counting what it was sent. */
async function receiver(answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('ok')) {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(`${req.method} ${body}`);
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeEachDialect('alert webhooks and references an editor sets (auth on)', (dialect) => {
  let platform: Platform;
  let app: App;
  let base: string;
  let editor: string;
  let viewer: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect, undefined, { webhookAllowedHosts: ['hooks.example'] });
    app = await buildServer(platform, { logger: false, auth: true });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const { tokens, projects } = platform.governance;
    await projects.setMember('default', 'eddie', 'editor');
    await projects.setMember('default', 'vic', 'viewer');
    editor = (await tokens.create({ name: 'eddie-token', user: 'eddie' })).secret;
    viewer = (await tokens.create({ name: 'vic-token', user: 'vic' })).secret;
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  async function call(method: string, path: string, secret: string, body?: object) {
    const response = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
  }

  let n = 0;
  const rule = (extra: object) => ({
    name: `rule-${(n += 1)}`,
    model: 'churn@champion',
    kind: 'drift_share',
    threshold: 0.3,
    window: '1h',
    ...extra,
  });

  it('refuses a webhook to loopback, link-local, private or metadata addresses, naming the field', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://10.0.0.1/hook',
      'http://192.168.1.20/hook',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0x7f000001/hook',
      'http://localhost:8080/hook',
    ]) {
      const refused = await call('POST', '/api/v1/alert-rules', editor, rule({ webhookUrl: url }));
      expect(refused.status, url).toBe(400);
      expect(refused.body, url).toMatchObject({
        error_code: 'INVALID_PARAMETER_VALUE',
        field: 'webhookUrl',
        message: expect.stringContaining('webhookUrl may not reach') as unknown,
      });
    }
    expect((await call('GET', '/api/v1/alert-rules', editor)).body.rules).toEqual([]);
  });

  it('refuses a drift reference given as a file path on the server', async () => {
    for (const reference of ['/etc/passwd', '../secrets.csv', 'data\\train.csv']) {
      const refused = await call('POST', '/api/v1/alert-rules', editor, rule({ reference }));
      expect(refused.status, reference).toBe(400);
      expect(refused.body, reference).toMatchObject({ field: 'reference' });
    }
    const stored = await call('POST', '/api/v1/alert-rules', editor, rule({ reference: 'window:-7d..-1d' }));
    expect(stored.status).toBe(201);
  });

  it("shows a viewer a webhook's host but never its secret path or query", async () => {
    const secret = 'https://hooks.example/services/T0001/B0002/XXXXsecret?token=s3cret';
    const created = await call('POST', '/api/v1/alert-rules', editor, rule({ webhookUrl: secret }));
    expect(created.status).toBe(201);
    const name = created.body.name as string;
    const one = await call('GET', `/api/v1/alert-rules/${name}`, viewer);
    expect(one.body.webhookUrl).toBe('https://hooks.example/***');
    const all = await call('GET', '/api/v1/alert-rules', viewer);
    expect(all.text).toContain('https://hooks.example/***');
    for (const text of [one.text, all.text, created.text]) {
      expect(text).not.toContain('XXXXsecret');
      expect(text).not.toContain('s3cret');
    }
    // The delivery still goes to the whole URL.
    expect((await platform.monitoring.alerts.rules.get(name)).webhookUrl).toBe(secret);
  });
});

describe('webhook delivery', () => {
  it('refuses an address, or a name resolving to one, that is not public, sending nothing', async () => {
    const hook = await receiver();
    try {
      for (const url of [`http://127.0.0.1:${hook.port}/`, `http://localhost:${hook.port}/`]) {
        const outcome = await deliverWebhook(url, { type: 'alert.fired' }, { attempts: 1 });
        expect(outcome.ok, url).toBe(false);
        expect(outcome.error, url).toMatch(/webhook refused: .*127\.0\.0\.1 is a loopback, private/);
      }
      expect(hook.received).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('reaches a loopback host the operator allowed', async () => {
    const hook = await receiver();
    try {
      const outcome = await deliverWebhook(
        `http://localhost:${hook.port}/`,
        { type: 'alert.fired' },
        { attempts: 1, allowedHosts: ['localhost'] },
      );
      expect(outcome).toEqual({ ok: true, attempts: 1 });
      expect(hook.received).toEqual(['POST {"type":"alert.fired"}']);
    } finally {
      await hook.close();
    }
  });

  it('follows no redirect, not even to an allowed host', async () => {
    const inside = await receiver();
    const redirecting = await receiver((res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${inside.port}/internal` });
      res.end();
    });
    try {
      const outcome = await deliverWebhook(
        `http://127.0.0.1:${redirecting.port}/`,
        { type: 'alert.fired' },
        { attempts: 1, allowedHosts: ['127.0.0.1'] },
      );
      expect(outcome).toEqual({ ok: false, attempts: 1, error: 'HTTP 307 (redirects are not followed)' });
      expect(redirecting.received).toHaveLength(1);
      expect(inside.received).toEqual([]);
    } finally {
      await inside.close();
      await redirecting.close();
    }
  });
});
