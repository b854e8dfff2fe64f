import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { readModelPackage } from '../../src/registry/model-package.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { unique } from './model-factories.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A clean git checkout whose one commit is the training script, so the commit mlflow and the
 * example both record is one the test knows; returns its directory and commit.
 */
function gitCheckout(): { dir: string; commit: string } {
  const dir = tempDir('mloop-train-');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=mloop', '-c', 'user.email=mloop@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  copyFileSync(join(REPO, 'examples', 'sklearn_to_onnx.py'), join(dir, 'train.py'));
  git('add', 'train.py');
  git('commit', '-q', '-m', 'training code');
  return { dir, commit: git('rev-parse', 'HEAD') };
}

/** Runs the checkout's copy of examples/sklearn_to_onnx.py against the server; returns its last line. */
function runExample(
  url: string,
  modelName: string,
  cwd: string,
): Promise<{ run_id: string; version: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, MLFLOW_TRACKING_URI: url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };
    execFile(
      pythonPath(),
      [join(cwd, 'train.py'), '--model-name', modelName],
      { cwd, env, timeout: 240_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`example failed: ${error.message}\n${stderr.slice(-4000)}`));
        const last = stdout.trim().split('\n').at(-1) ?? '';
        resolve(JSON.parse(last) as { run_id: string; version: string });
      },
    );
  });
}

describeWithPython('a model registered through the mlflow client', () => {
  let server: ServerProcess;
  let platform: Platform;
  let printed: { run_id: string; version: string };
  const name = unique('iris');
  const checkout = gitCheckout();

  beforeAll(async () => {
    server = await startServer();
    printed = await runExample(server.url, name, checkout.dir);
    // The CLI opens the server's store beside it the same way.
    platform = await openPlatform(loadConfig({ home: server.home }, {}, server.home));
  }, 300_000);
  afterAll(async () => {
    await platform?.close();
    await server?.stop();
  });

  it('resolves by alias to a version whose files read as an ONNX package', async () => {
    const version = await platform.registry.resolve(`models:/${name}@champion`);
    expect(version).toMatchObject({ name, version: 1, status: 'READY', format: 'mlflow-onnx' });
    expect(version.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    const pkg = await readModelPackage(platform.artifactStore, version.storagePath);
    expect(pkg.metadata).toMatchObject({
      format: 'mlflow-onnx',
      task: 'classification',
      inputs: [
        { name: 'sepal_length', type: 'float32' },
        { name: 'sepal_width', type: 'float32' },
        { name: 'petal_length', type: 'float32' },
        { name: 'petal_width', type: 'float32' },
      ],
      layout: { kind: 'tensor', inputName: 'X', tensorType: 'float32' },
      outputs: { label: 'label', probabilities: 'probabilities' },
    });

    // The bytes are the model: a setosa-like flower is class 0.
    const session = await InferenceSession.create(pkg.onnx);
    const result = await session.run({
      X: new Tensor('float32', new Float32Array([5.1, 3.5, 1.4, 0.2]), [1, 4]),
    });
    expect(Number(result.label?.data[0])).toBe(0);
    await session.release();
  });

  it("keeps the version's lineage: run, dataset, git commit and packages", async () => {
    const version = await platform.registry.resolve(`${name}/1`);
    expect(version.runId).toBe(printed.run_id);
    expect(version.lineage.runId).toBe(printed.run_id);
    expect(version.lineage.datasets).toEqual([{ name: 'iris-train', digest: expect.any(String) }]);
    expect(version.lineage.git).toEqual({ commit: checkout.commit, dirty: false });
    expect(version.lineage.packages).toMatchObject({ onnx: expect.any(String), mlflow: '3.17.2' });
  });
});
