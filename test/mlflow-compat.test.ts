import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPython, runPython } from './helpers/python.js';
import { describeWithS3, startS3Server, type S3Server } from './helpers/s3-server.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { openArtifactStore } from '../src/store/artifacts/open-artifact-store.js';

// The pytest suite drives the real `mlflow` client (pinned in scripts/requirements-test.txt)
// against `mloop server`; the same suite passes against MLflow's own tracking server.
const REPO = fileURLToPath(new URL('..', import.meta.url));
const SUITE = 'test/mlflow-compat';
const PYTEST_TIMEOUT_MS = 8 * 60_000;

/** This process's environment without MLFLOW_* variables, so only the ones set here apply. */
function environmentWithoutMlflow(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MLFLOW_')));
}

/** Runs pytest on `files` (the whole suite by default) against `server` and asserts it passed. */
async function passesSuite(server: ServerProcess, files: string[] = [SUITE]): Promise<void> {
  const pytestArgs = ['-m', 'pytest', ...files, '-p', 'no:cacheprovider', '-q', '--tb=short'];
  const result = await runPython(pytestArgs, {
    cwd: REPO,
    env: {
      ...environmentWithoutMlflow(),
      MLFLOW_TRACKING_URI: server.url,
      // Fail fast: an error must surface as the server's answer, not after retries.
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
      GIT_PYTHON_REFRESH: 'quiet',
      PYTHONDONTWRITEBYTECODE: '1',
    },
    timeoutMs: PYTEST_TIMEOUT_MS,
  });
  const exit = `pytest exited with ${result.code ?? result.signal}`;
  if (result.code !== 0) {
    console.error(
      `${exit}\n--- pytest output ---\n${result.output}` +
        `\n--- mloop server output (last 20000 characters) ---\n${server.output().slice(-20_000)}`,
    );
  }
  // The full output is printed above; the assertion names the failed tests.
  const failed = result.output.split('\n').filter((line) => /^(FAILED|ERROR) /.test(line));
  expect(result.code, [exit, ...failed].join('\n')).toBe(0);
  expect(result.output).toMatch(/\d+ passed/);
}

describeWithPython('the real mlflow client against mloop server', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server?.stop());

  it(
    'passes the MLflow compatibility suite (tracking, search, artifacts, errors)',
    async () => passesSuite(server),
    PYTEST_TIMEOUT_MS + 30_000,
  );
});

describeWithS3('the real mlflow client against mloop server with artifacts on S3', () => {
  let s3: S3Server;
  let root: string;
  let server: ServerProcess;

  beforeAll(async () => {
    s3 = await startS3Server();
    root = await s3.newRoot('mlflow');
    server = await startServer({ env: { ...s3.env, MLOOP_ARTIFACT_ROOT: root } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
  });

  it(
    'passes the artifact, logged model and registry parts of the suite (log_artifact, download_artifacts, log_model)',
    async () => {
      await passesSuite(
        server,
        ['test_artifacts.py', 'test_logged_models.py', 'test_registry.py'].map((f) => `${SUITE}/${f}`),
      );
      // The bytes went to the bucket, not to a directory beside the server.
      const store = await openArtifactStore(root, { s3ForcePathStyle: true }, { ...process.env, ...s3.env });
      expect((await store.list('')).map((entry) => entry.path)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^\d+$/), 'registry']),
      );
    },
    PYTEST_TIMEOUT_MS + 30_000,
  );
});
