import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const created: string[] = [];

function removeAll(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Creates a fresh, empty directory under the OS temp dir; it is removed after the file's tests. */
export function tempDir(prefix = 'mloop-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// Registered when a test file imports this module, so it runs after all of that file's tests
// (and, hooks running in reverse order, after the afterAll of modules imported later, such as
// server-process.ts stopping servers that still use these directories).
afterAll(removeAll);
// A worker killed by a failing run still cleans up what it can.
process.once('exit', removeAll);
