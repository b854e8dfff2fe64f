import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { columnsClassifierOnnx } from '../helpers/onnx-model.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { trainedRun, unique } from '../registry/model-factories.js';

const artifacts = '/api/2.0/mlflow-artifacts/artifacts';

describeEachDialect('what production serves is what was registered (auth on)', (dialect) => {
  let platform: Platform;
  let app: App;
  let base: string;
  let editor: string;
  let maintainer: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    app = await buildServer(platform, { logger: false, auth: true });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const { tokens, projects } = platform.governance;
    await projects.setMember('default', 'eddie', 'editor');
    await projects.setMember('default', 'mia', 'maintainer');
    editor = (await tokens.create({ name: 'eddie-token', user: 'eddie' })).secret;
    maintainer = (await tokens.create({ name: 'mia-token', user: 'mia' })).secret;
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  async function call(method: string, path: string, secret: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
    let payload: string | Blob | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = new Blob([Buffer.from(body)]);
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(base + path, { method, headers, ...(payload ? { body: payload } : {}) });
    const text = await response.text();
    return { status: response.status, text };
  }

  /** A model with version 1 registered from a run, optionally with `alias` on it. */
  async function registered(alias?: string): Promise<{ name: string; storagePath: string }> {
    const { runId } = await trainedRun(platform);
    const name = unique('prod');
    await platform.registry.models.create({ name });
    const version = await platform.registry.versions.create({ name, source: `runs:/${runId}/model` });
    if (alias) await platform.registry.aliases.set(name, alias, 1, { force: true, reason: 'test setup' });
    return { name, storagePath: version.storagePath };
  }

  const predict = (name: string) =>
    call('POST', `/api/v1/serving/${name}/predict?version=1`, editor, { records: [{ a: 1, b: 2 }] });

  it("refuses an editor's overwrite or delete of a registered version's files through the MLflow artifact API", async () => {
    const { name, storagePath } = await registered('champion');
    const file = `${artifacts}/${storagePath}/model.onnx`;
    const overwrite = await call('PUT', file, editor, new Uint8Array(Buffer.from('evil model')));
    expect(overwrite.status).toBe(403);
    expect(overwrite.text).toContain('cannot write it; register a new version instead');
    expect((await call('DELETE', file, editor)).status).toBe(403);
    expect((await call('DELETE', `${artifacts}/${storagePath}`, editor)).status).toBe(403);
    // Reading stays open: MLflow clients download registered versions from here.
    const download = await fetch(base + file, { headers: { authorization: `Bearer ${editor}` } });
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(columnsClassifierOnnx()))).toBe(true);
    expect((await predict(name)).status).toBe(200);
    // The version shows what it holds: each file with its sha256.
    const shown = JSON.parse((await call('GET', `/api/v1/models/${name}/versions/1`, editor)).text) as {
      files: Array<{ path: string; sha256: string }>;
    };
    expect(shown.files).toContainEqual(
      expect.objectContaining({
        path: 'model.onnx',
        sha256: createHash('sha256').update(columnsClassifierOnnx()).digest('hex'),
      }),
    );
  });

  it('refuses to serve files changed on disk below the API, with a clear error and an audit entry', async () => {
    const { name, storagePath } = await registered();
    writeFileSync(join(platform.config.artifactRoot, ...storagePath.split('/'), 'model.onnx'), 'evil');
    const refused = await predict(name);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({
      error_code: 'INVALID_STATE',
      message: expect.stringMatching(
        new RegExp(
          `^Model ${name} version 1 refused: its file 'model.onnx' has sha256 [0-9a-f]{64}, but [0-9a-f]{64} was registered`,
        ),
      ) as unknown,
    });
    const tampered = async () =>
      (await platform.governance.audit.list({ object: `model/${name}` })).find(
        (e) => e.action === 'model.files-tampered',
      );
    // Prometheus sees it too, for an alert on any increase.
    const metrics = await call('GET', '/metrics', editor);
    expect(metrics.text).toContain(`mloop_model_files_tampered_total{model="${name}",version="1"} 1`);
    await expect.poll(tampered, { timeout: 5000 }).toMatchObject({
      actor: 'system',
      outcome: 'denied',
      after: { version: 1, file: 'model.onnx' },
    });
  });

  for (const [what, path] of [
    ['a version holding a protected alias', (name: string) => `/api/v1/models/${name}/versions/1`],
    ['a model with a protected alias', (name: string) => `/api/v1/models/${name}`],
  ] as const) {
    it(`lets only a maintainer delete ${what}, and audits it`, async () => {
      const { name } = await registered('production');
      const denied = await call('DELETE', path(name), editor);
      expect(denied.status).toBe(403);
      expect(denied.text).toContain("'aliases.protected' needs the maintainer role");
      expect((await platform.registry.models.get(name)).aliases).toEqual([
        { alias: 'production', version: 1 },
      ]);
      expect((await call('DELETE', path(name), maintainer)).status).toBe(200);
      // The entry is written once the answer is sent.
      const entryOf = async (actor: string, outcome: string) =>
        (await platform.governance.audit.list({ actor })).some(
          (e) => e.outcome === outcome && e.path === path(name),
        );
      await expect.poll(() => entryOf('mia', 'ok'), { timeout: 5000 }).toBe(true);
      await expect.poll(() => entryOf('eddie', 'denied'), { timeout: 5000 }).toBe(true);
    });
  }

  it('refuses the MLflow delete routes the same way, and lets an editor delete an unprotected version', async () => {
    const { name } = await registered('champion');
    const body = { name, version: '1' };
    expect((await call('DELETE', '/api/2.0/mlflow/model-versions/delete', editor, body)).status).toBe(403);
    expect((await call('DELETE', '/api/2.0/mlflow/registered-models/delete', editor, { name })).status).toBe(
      403,
    );
    const plain = await registered('candidate');
    expect((await call('DELETE', `/api/v1/models/${plain.name}/versions/1`, editor)).status).toBe(200);
  });
});
