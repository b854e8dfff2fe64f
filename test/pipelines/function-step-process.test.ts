import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../../src/governance/local-admin-token.js';
import { readPipelineFile } from '../../src/pipelines/load-source.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { openPlatform } from '../../src/platform.js';
import { eventually, until } from '../helpers/poll.js';
import { freshPostgresUrl, postgresAvailable } from '../helpers/postgres.js';
import { startServer } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { processExists as alive } from '../../src/core/process-exists.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/busy-pipeline.ts', import.meta.url));
const SPIN_MS = 6000;

interface StepView {
  step: string;
  status: string;
  error?: string;
  outputs: Record<string, { value?: unknown }>;
}

/** A server on a fresh home (and database) with the busy pipeline registered, running it. */
async function startBusyRun(databaseUrl: (() => Promise<string>) | undefined, ms: number) {
  const home = tempDir('mloop-busy-');
  const env: Record<string, string> = databaseUrl ? { MLOOP_DATABASE_URL: await databaseUrl() } : {};
  // The server reads registered pipelines from its store, as the closed-loop demo registers its own.
  const platform = await openPlatform(loadConfig({ home }, { ...process.env, ...env }, home));
  try {
    const { definition, source } = await readPipelineFile(FIXTURE);
    await platformPipelineService(platform).register(definition, source);
  } finally {
    await platform.close();
  }
  const server = await startServer({ home, env });
  const authorization = `Bearer ${readFileSync(join(home, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim()}`;
  const started = await fetch(`${server.url}/api/v1/pipelines/busy/runs`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ params: { ms, dir: home } }),
  });
  expect(started.status).toBe(201);
  const runId = ((await started.json()) as { id: string }).id;
  return { server, home, runId, authorization };
}

const stores: [string, (() => Promise<string>) | undefined][] = [
  ['SQLite', undefined],
  ...(postgresAvailable() ? [['PostgreSQL', freshPostgresUrl] as [string, () => Promise<string>]] : []),
];

for (const [store, databaseUrl] of stores) {
  describe(`TypeScript steps on mloop server (${store})`, () => {
    it('keep the server answering while a step holds the CPU, and a step past its timeout is killed', async () => {
      const { server, home, runId, authorization } = await startBusyRun(databaseUrl, SPIN_MS);
      const steps = async () => {
        const response = await fetch(`${server.url}/api/v1/pipeline-runs/${runId}`, {
          headers: { authorization },
        });
        return ((await response.json()) as { steps: StepView[] }).steps;
      };
      const status = async (name: string) => (await steps()).find((s) => s.step === name)?.status;
      await until(async () => (await status('busy')) === 'RUNNING', {
        what: 'the busy step to start',
        timeoutMs: 30_000,
      });

      // What this checks: while the step spins the CPU for 6 s without yielding, /health keeps
      // answering from the server's own event loop. Run in the server process (as before), the
      // first probe after the spin began would wait for all of it (seconds) and there would be a
      // handful of probes at most. The bound (1.5 s for one probe, 10+ probes) leaves room for a
      // loaded 2-core machine, where the spinning child holds one core.
      const latencies: number[] = [];
      while ((await status('busy')) === 'RUNNING') {
        const sent = performance.now();
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        latencies.push(performance.now() - sent);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const busy = (await steps()).find((s) => s.step === 'busy')!;
      expect(busy.status, busy.error).toBe('SUCCEEDED');
      expect(busy.outputs.turns?.value).toBeGreaterThan(0);
      expect(latencies.length).toBeGreaterThan(10);
      expect(Math.max(...latencies)).toBeLessThan(1500);

      // The next step never yields either: only killing its process ends it at its 8 s timeout.
      const stuck = await eventually(
        async () => {
          const step = (await steps()).find((s) => s.step === 'stuck');
          return step && step.status !== 'RUNNING' && step.status !== 'PENDING' ? step : undefined;
        },
        { what: 'the stuck step to end', timeoutMs: 30_000 },
      );
      expect(stuck.status).toBe('FAILED');
      expect(stuck.error).toMatch(/timed out after 8000 ms \(step process killed\)/);
      const pidFile = join(home, 'stuck.pid');
      expect(existsSync(pidFile)).toBe(true);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(pid).not.toBe(server.child.pid);
      await until(() => !alive(pid), { what: 'the stuck step process to end', timeoutMs: 5000 });
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      await server.stop();
    }, 120_000);
  });
}

describe('a TypeScript step on mloop server', () => {
  it('is killed when its run is cancelled, though it never yields', async () => {
    const { server, home, runId, authorization } = await startBusyRun(undefined, 600_000);
    const pidFile = join(home, 'busy.pid');
    await until(() => existsSync(pidFile), { what: 'the busy step to start', timeoutMs: 30_000 });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const cancelled = await fetch(`${server.url}/api/v1/pipeline-runs/${runId}/cancel`, {
      method: 'POST',
      headers: { authorization },
    });
    expect(cancelled.status).toBeLessThan(300);
    const run = await eventually(
      async () => {
        const response = await fetch(`${server.url}/api/v1/pipeline-runs/${runId}`, {
          headers: { authorization },
        });
        const body = (await response.json()) as { status: string; steps: StepView[] };
        return body.status === 'RUNNING' ? undefined : body;
      },
      { what: 'the run to end', timeoutMs: 10_000 },
    );
    expect(run.status).toBe('CANCELLED');
    expect(run.steps.find((s) => s.step === 'busy')!.status).toBe('CANCELLED');
    await until(() => !alive(pid), { what: 'the step process to be killed', timeoutMs: 5000 });
    await server.stop();
  }, 60_000);

  it('ends with its server, even when killed -9 mid-step', async () => {
    const { server, home } = await startBusyRun(undefined, 600_000);
    const pidFile = join(home, 'busy.pid');
    await until(() => existsSync(pidFile), { what: 'the busy step to start', timeoutMs: 30_000 });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    await server.kill9();
    // Its watcher sees the server's pipe close and kills the group (SIGKILL 2 s after SIGTERM).
    await until(() => !alive(pid), { what: 'the step process to end with its server', timeoutMs: 10_000 });
  }, 60_000);
});
