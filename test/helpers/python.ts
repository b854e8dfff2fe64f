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
