import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../src/sdk/index.js';
import { columnsClassifierOnnx } from './helpers/onnx-model.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/tmp.js';
import { classifierMetadata } from './registry/model-factories.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  allowScripts: Record<string, boolean>;
};

/**
 * What `npm install mloop` gives a user: the tarball `npm pack` makes from the build, installed
 * into an empty project (dependencies from the registry, through the usual npm cache), then its
 * `mloop server` serving the dashboard and a model.
 */
describe('the packed mloop, installed into an empty project', () => {
  let files: string[];
  let project: string;
  let server: ServerProcess;
  let installWarnings: string;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/cli/main.js')) || !existsSync(join(root, 'ui/dist/index.html')))
      throw new Error('build first: npm run build (npm test runs it)');
    const packed = tempDir('mloop-pack-');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packed], { cwd: root });
    const [pack] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = (pack?.files ?? []).map((f) => f.path);

    project = tempDir('mloop-installed-');
    // The same install scripts as mloop's own install: onnxruntime-node's would fetch optional
    // GPU providers, and its CPU binary ships in the package.
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ private: true, allowScripts: manifest.allowScripts }),
    );
    const installed = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(packed, pack?.filename ?? '')],
      { cwd: project, maxBuffer: 16 * 1024 * 1024 },
    );
    installWarnings = installed.stderr;
    const home = tempDir('mloop-installed-home-');
    server = await startServer({
      home,
      cli: join(project, 'node_modules/mloop/dist/cli/main.js'),
      startTimeoutMs: 120_000,
    });
  }, 900_000);
  afterAll(async () => {
    await server?.stop();
  });

  // mloop's own overrides do not reach a user's install: what it resolves there must support the
  // Node the README names too (fastify's light-my-request 6.7 pulled cookie 2, which wants Node 22).
  it('installs without an engine warning on the Node it supports', () => {
    expect(installWarnings).not.toMatch(/EBADENGINE/);
  });

  it('ships the build, the dashboard, the README and the licence, and nothing else', () => {
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/sdk/index.d.ts');
    expect(files).toContain('ui/dist/index.html');
    expect(files.some((f) => /^ui\/dist\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    const others = files.filter(
      (f) =>
        !f.startsWith('dist/') &&
        !f.startsWith('ui/dist/') &&
        !['README.md', 'LICENSE', 'package.json'].includes(f),
    );
    expect(others).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || /\.test\.[jt]s$/.test(f))).toEqual([]);
  });

  it('serves the dashboard page and its script from the installed package', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>mloop</title>');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const built = readdirSync(join(project, 'node_modules/mloop/ui/dist/assets'));
    expect(built).toContain(script?.slice('/assets/'.length));
  });

  it('registers an ONNX model through the SDK its exports name, and /predict answers', async () => {
    // `import 'mloop'` resolved as the user's project resolves it: through package.json exports.
    const entry = createRequire(join(project, 'package.json')).resolve('mloop');
    const { MloopClient } = (await import(pathToFileURL(entry).href)) as typeof Sdk;
    const client = new MloopClient({ url: server.url });
    const experiment = await client.experiments.create({ name: 'installed' });
    const { info } = await client.runs.create({ experimentId: experiment.experimentId });
    await client.runs.uploadArtifact(info.runId, 'model/model.onnx', columnsClassifierOnnx());
    await client.runs.uploadArtifact(
      info.runId,
      'model/mloop-model.json',
      // Bytes: a string would name a local file to upload.
      Buffer.from(JSON.stringify(classifierMetadata)),
    );
    await client.runs.update(info.runId, { status: 'FINISHED' });
    await client.models.create({ name: 'churn' });
    const version = await client.models.createVersion('churn', { runId: info.runId, artifactPath: 'model' });
    await client.models.setAlias('churn', 'production', version.version);

    const answer = await fetch(`${server.url}/api/v1/serving/churn/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [
          { a: 2, b: 0 },
          { a: 0, b: 2 },
        ],
      }),
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { model_version: string; predictions: Array<{ label: number }> };
    expect(body.model_version).toBe('1');
    // The model's label output: the index of the larger feature.
    expect(body.predictions.map((p) => p.label)).toEqual([0, 1]);
  }, 180_000);

  it('imports the pipeline builder as mloop/pipelines', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { pipeline } from 'mloop/pipelines'; console.log(pipeline('p').name)",
      ],
      { cwd: project },
    );
    expect(stdout.trim()).toBe('p');
  });
});
