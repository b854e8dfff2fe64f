import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/poll.js';
import { describeWithPython, pythonPath, runPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/log_python_models.py', import.meta.url));

describeWithPython('virtualenv environment manager of the Python runtime', () => {
  let server: ServerProcess;
  let rows: Array<Record<string, number>>;
  let expected: number[];

  beforeAll(async () => {
    const home = tempDir('mloop-python-envs-');
    server = await startServer({
      home,
      env: { MLOOP_PYTHON: pythonPath(), MLOOP_PYTHON_WORKERS: '1', MLOOP_PYTHON_ENV_MANAGER: 'virtualenv' },
    });
    const out = join(home, 'logged');
    const logged = await runPython([SCRIPT, out, '--only-extra'], {
      cwd: home,
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
      timeoutMs: 300_000,
    });
    if (logged.code !== 0) throw new Error(`logging the models failed:\n${logged.output}`);
    const file = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as {
      rows: Array<Record<string, number>>;
      models: { 'py-extra': number[] };
    };
    rows = file.rows;
    expected = file.models['py-extra'];
  }, 400_000);
  afterAll(async () => {
    await server?.stop();
  });

  const predict = (ref: string) =>
    fetch(`${server.url}/api/v1/serving/${encodeURIComponent(ref)}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: rows }),
      signal: AbortSignal.timeout(240_000),
    });

  /** The first answer that is not "environment being built" (503). */
  const settled = (ref: string) =>
    eventually(
      async () => {
        const response = await predict(ref);
        return response.status === 503 ? undefined : response;
      },
      { what: `${ref}'s environment`, timeoutMs: 300_000, intervalMs: 500 },
    );

  it('builds an environment from the model requirements once, outside the request path', async () => {
    // The first request starts the build and is answered at once, not after pip.
    const first = await predict('py-extra/1');
    expect(first.status).toBe(503);
    expect(((await first.json()) as { message: string }).message).toMatch(/environment .* is being built/);

    const answer = await settled('py-extra/1');
    expect(answer.status).toBe(200);
    const values = ((await answer.json()) as { predictions: Array<{ value: number }> }).predictions.map(
      (p) => p.value,
    );
    expected.forEach((v, i) => expect(values[i]).toBeCloseTo(v, 9));

    // Version 2 has the same requirements: it is served from the same environment, with no wait.
    expect((await predict('py-extra/2')).status).toBe(200);
    const envs = readdirSync(join(server.home, 'python-envs'));
    expect(envs).toHaveLength(1);
  }, 400_000);

  it('names the requirement pip cannot install', async () => {
    const answer = await settled('py-missing/1');
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toMatch(
      /pip cannot install mloop-no-such-package-for-tests==0\.0\.1/,
    );
  }, 400_000);
});
