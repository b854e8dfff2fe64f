import { spawn } from 'node:child_process';
import { describe } from 'vitest';
import { testServiceFromEnv } from './test-services.js';

const VARIABLE = 'MLOOP_TEST_PYTHON';
const WHAT = 'the Python test environment (.venv with scripts/requirements-test.txt)';

/** True when the Python test venv is configured (throws under `npm test` if it is not). */
export function pythonAvailable(): boolean {
  return testServiceFromEnv(VARIABLE, WHAT) !== undefined;
}

/** `describe` for suites that run Python: skipped when no venv is configured outside `npm test`. */
export const describeWithPython = pythonAvailable() ? describe : describe.skip;

/** Path of the venv's python interpreter, which has the pinned test packages (mlflow, ...). */
export function pythonPath(): string {
  const path = testServiceFromEnv(VARIABLE, WHAT);
  if (!path) throw new Error(`${VARIABLE} is not set; guard the suite with describeWithPython.`);
  return path;
}

export interface PythonRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved. */
  output: string;
}

/** Runs the venv's python with `args` to its end (killed after timeoutMs), collecting its output. */
export function runPython(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), args, {
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
