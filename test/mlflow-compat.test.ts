import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPython, pythonPath } from './helpers/python.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

// The pytest suite drives the real `mlflow` client (pinned in scripts/requirements-test.txt)
// against `mloop server`; the same suite passes against MLflow's own tracking server.
const REPO = fileURLToPath(new URL('..', import.meta.url));
const SUITE = 'test/mlflow-compat';
const PYTEST_TIMEOUT_MS = 8 * 60_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a process to its end (killing it after timeoutMs) and collects stdout and stderr. */
function runToEnd(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs} ms]\n`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** This process's environment without MLFLOW_* variables, so only the ones set here apply. */
function environmentWithoutMlflow(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MLFLOW_')));
}

describeWithPython('the real mlflow client against mloop server', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server?.stop());

  it(
    'passes the MLflow compatibility suite (tracking, search, artifacts, errors)',
    async () => {
      const pytestArgs = ['-m', 'pytest', SUITE, '-p', 'no:cacheprovider', '-q', '--tb=short'];
      const result = await runToEnd(pythonPath(), pytestArgs, {
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
    },
    PYTEST_TIMEOUT_MS + 30_000,
  );
});
