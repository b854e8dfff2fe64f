import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';

/** Every file under `dir`, recursively (partial uploads included). */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** A body sent in chunks without Content-Length, as a client streaming a file does. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const chunk = new Uint8Array(Math.min(16 * 1024, bytes - sent)).fill(97);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

describe('body limits hold for uploads too', () => {
  let platform: Platform;
  let app: App;
  let base: string;
  let home: string;

  beforeAll(async () => {
    home = tempDir('mloop-limits-');
    platform = await openPlatform(
      loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}`, bodyLimitBytes: 1024 }, {}),
    );
    app = await buildServer(platform, { logger: false });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const upload = (path: string, body: BodyInit, type = 'application/octet-stream') =>
    fetch(`${base}${path}`, {
      method: path.includes('/datasets/') ? 'POST' : 'PUT',
      headers: { 'content-type': type },
      body,
      duplex: 'half',
    } as RequestInit);

  it('refuses a 200 KB artifact over a 1 KiB limit with 413 naming the limit, and keeps no part of it', async () => {
    const run = await platform.tracking.runs.create({ experimentId: '0' });
    const attempts = [
      ['/api/2.0/mlflow-artifacts/artifacts/declared.bin', new Uint8Array(200 * 1024)],
      ['/api/2.0/mlflow-artifacts/artifacts/streamed.bin', chunked(200 * 1024)],
      [`/api/v1/runs/${run.info.runId}/artifacts/streamed.bin`, chunked(200 * 1024)],
    ] as const;
    for (const [path, body] of attempts) {
      const res = await upload(path, body);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(413);
      expect(await res.json()).toMatchObject({
        error_code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('limit of 1024 bytes'),
      });
    }
    expect(filesUnder(platform.config.artifactRoot)).toEqual([]);
    const small = await upload('/api/2.0/mlflow-artifacts/artifacts/small.bin', new Uint8Array(1000));
    expect(small.status).toBe(200);
  });

  it('refuses a dataset file streamed past the limit and leaves no version, upload or stored file', async () => {
    const res = await upload('/api/v1/datasets/big/versions?format=csv', chunked(200 * 1024));
    expect(res.status).toBe(413);
    expect((await platform.data.datasets.list()).map((d) => d.name)).not.toContain('big');
    expect(filesUnder(join(home, 'cache', 'uploads'))).toEqual([]);
  });

  it('stores an artifact as sent whatever type the client names (MLflow labels x.json application/json)', async () => {
    const bytes = '{"not": "json';
    const put = await upload('/api/2.0/mlflow-artifacts/artifacts/meta/x.json', bytes, 'application/json');
    expect(put.status, await put.clone().text()).toBe(200);
    const got = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/meta/x.json`);
    expect(await got.text()).toBe(bytes);
  });
});

describe('Open Inference Protocol bodies', () => {
  let platform: Platform;
  let app: App;
  let base: string;

  beforeAll(async () => {
    const home = tempDir('mloop-oip-limits-');
    platform = await openPlatform(
      loadConfig(
        {
          home,
          databaseUrl: `sqlite:${join(home, 'mloop.db')}`,
          bodyLimitBytes: 64 * 1024,
          jsonBodyLimitBytes: 4096,
        },
        {},
      ),
    );
    app = await buildServer(platform, { logger: false });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  /** A JSON infer request of about `bytes` bytes (one long FP32 tensor). */
  const jsonRequest = (bytes: number) => {
    const data = Array.from({ length: Math.ceil(bytes / 4) }, () => 1.5);
    return new TextEncoder().encode(
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [data.length], data }] }),
    );
  };
  /** A request whose tensor of `bytes` raw bytes follows its JSON header, as tritonclient sends it. */
  const binaryRequest = (bytes: number) => {
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [bytes / 4], parameters: { binary_data_size: bytes } },
        ],
      }),
    );
    const body = new Uint8Array(header.length + bytes);
    body.set(header);
    return { body, headerLength: header.length };
  };
  const infer = (body: BodyInit, headers: Record<string, string>) =>
    fetch(`${base}/v2/models/absent/infer`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);

  it('holds a JSON body, typed or not, to the JSON body limit with a 413 naming it', async () => {
    const body = jsonRequest(20 * 1024);
    const attempts = [
      ['application/json', body],
      ['no Content-Type (tritonclient)', body],
      ['no Content-Type, streamed', new Blob([body]).stream()],
    ] as const;
    for (const [what, sent] of attempts) {
      const res = await infer(sent, what === 'application/json' ? { 'content-type': what } : {});
      expect(res.status, `${what}: ${await res.clone().text()}`).toBe(413);
      expect(await res.json(), what).toMatchObject({
        error_code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('limit of 4096 bytes'),
      });
    }
    // Under the limit, the body is read and the request judged: there is no such model.
    const small = await infer(jsonRequest(1024), { 'content-type': 'application/json' });
    expect(small.status, await small.clone().text()).toBe(404);
  });

  it('lets binary tensors up to the upload limit, and refuses them past it naming that limit', async () => {
    const { body, headerLength } = binaryRequest(20 * 1024);
    for (const type of ['application/octet-stream', undefined]) {
      const res = await infer(body, {
        ...(type ? { 'content-type': type } : {}),
        'inference-header-content-length': String(headerLength),
      });
      expect(res.status, `${type ?? 'no type'}: ${await res.clone().text()}`).toBe(404);
    }
    const big = binaryRequest(80 * 1024);
    const res = await infer(big.body, {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(big.headerLength),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ message: expect.stringContaining('limit of 65536 bytes') });
  });
});

describe('requests the HTTP parser refuses', () => {
  it('answer with the one error body, as a header with a control character does', async () => {
    const home = tempDir('mloop-limits-');
    const platform = await openPlatform(
      loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}` }, {}),
    );
    const app = await buildServer(platform, { logger: false });
    try {
      const base = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = connect(Number(base.port), base.hostname, () =>
          socket.write(
            'POST /api/v1/experiments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \u0001x\r\n\r\n',
          ),
        );
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
        error_code: 'BAD_REQUEST',
        error: expect.stringMatching(/^Malformed HTTP request/),
      });
    } finally {
      await app.close();
      await platform.close();
    }
  });
});

describe('rate limits without tokens', () => {
  it('limits callers of a server without auth, public webhook routes included', async () => {
    const home = tempDir('mloop-limits-');
    const platform = await openPlatform(
      loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}`, rateLimitPerMinute: 3 }, {}),
    );
    const app = await buildServer(platform, { logger: false });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const guess = await app.inject({
          method: 'POST',
          url: '/api/v1/pipelines/deploy/trigger',
          headers: { 'x-mloop-webhook-secret': `guess-${i}` },
          payload: {},
        });
        statuses.push(guess.statusCode);
      }
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(statuses.slice(0, 3)).not.toContain(429);
      const read = await app.inject({ url: '/api/v1/experiments' });
      expect(read.statusCode).toBe(429);
      expect(Number(read.headers['retry-after'])).toBeGreaterThan(0);
      // Inference has no quota: the same caller's predictions are answered (here: the deployment
      // does not exist), not refused as over the limit.
      for (let i = 0; i < 5; i++) {
        const predict = await app.inject({
          method: 'POST',
          url: '/api/v1/deployments/churn/predict',
          payload: { records: [{ x: 1 }] },
        });
        expect(predict.statusCode).toBe(404);
      }
    } finally {
      await app.close();
      await platform.close();
    }
  });
});
