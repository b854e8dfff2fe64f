import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

// Property-based fuzzing of every route from the OpenAPI document (schemathesis, pinned in
// scripts/requirements-test.txt): no 5xx answer and no answer that breaks its declared schema.
// Bounded: a few examples per route, two workers, a fixed seed so a failure reproduces.
const EXAMPLES_PER_ROUTE = 8;
const SEED = 20260601;
const TIMEOUT_MS = 6 * 60_000;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describeWithPython('fuzzing the HTTP API from its OpenAPI document', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ args: ['--auth', 'off'] });
  });
  afterAll(async () => server?.stop());

  it(
    'finds no 5xx answer and no answer that violates the schema',
    async () => {
      const st = join(dirname(pythonPath()), 'st');
      expect(existsSync(st), `${st}: install scripts/requirements-test.txt`).toBe(true);
      const { output } = await run(
        st,
        [
          'run',
          `${server.url}/openapi.json`,
          '--checks',
          'not_a_server_error,response_schema_conformance',
          '--max-examples',
          String(EXAMPLES_PER_ROUTE),
          '--phases',
          'examples,fuzzing',
          '--workers',
          '2',
          '--seed',
          String(SEED),
          '--no-color',
          // Suites with strict patterns make hypothesis discard many drafts; that is not an API failure.
          '--suppress-health-check=filter_too_much',
        ],
        server.home,
      );
      // Data-generation problems (a health check of hypothesis, a schema it cannot sample) are
      // reported as errors; the API's own failures are the "Failures" section and 5xx answers.
      expect(output, output).toMatch(/Tested: \d+/);
      expect(output).not.toMatch(/^\s*Failures:/m);
      expect(output).not.toMatch(/Server error|Response violates schema/);
      expect(server.output()).not.toMatch(/unhandled error/);
    },
    TIMEOUT_MS + 30_000,
  );
});
