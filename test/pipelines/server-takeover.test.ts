import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/index.js';
import { eventually, until } from '../helpers/poll.js';
import { describeOnPostgres, freshPostgresUrl } from '../helpers/postgres.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const leaseMs = 3_000;

// Two `mloop server` processes on one PostgreSQL: the one driving a run is killed -9, the other
// fails the run within the lease, and the run resumes there.
describeOnPostgres('a pipeline run whose server is killed', () => {
  const dir = tempDir('mloop-takeover-');
  const attempts = join(dir, 'attempts');
  let a: ServerProcess;
  let b: ServerProcess;
  let clientA: MloopClient;
  let clientB: MloopClient;
  const client = (server: ServerProcess) => {
    // Each server's local admin token is in its own home; the SDK reads it when built.
    const before = process.env.MLOOP_HOME;
    process.env.MLOOP_HOME = server.home;
    try {
      return new MloopClient({ url: server.url });
    } finally {
      if (before === undefined) delete process.env.MLOOP_HOME;
      else process.env.MLOOP_HOME = before;
    }
  };

  beforeAll(async () => {
    const env = {
      MLOOP_DATABASE_URL: await freshPostgresUrl(),
      MLOOP_ARTIFACT_ROOT: join(dir, 'artifacts'),
      MLOOP_PIPELINE_LEASE_MS: String(leaseMs),
    };
    // One at a time: the first runs the migrations the other then finds done.
    a = await startServer({ env });
    b = await startServer({ env });
    clientA = client(a);
    clientB = client(b);
    // The first attempt waits forever; a resumed one finds it ran before and ends.
    await clientA.pipelines.register(`
name: held
steps:
  prepare:
    outputs: {n: value}
    command: echo 1 > \${outputs.n}
  wait:
    needs: [prepare]
    command: echo "$$" >> ${attempts}; [ "$(wc -l < ${attempts})" -gt 1 ] || sleep 3600
`);
  }, 90_000);
  afterAll(async () => {
    await a?.stop().catch(() => undefined);
    await b?.stop();
  });

  it('is failed resumably by the other server within the lease, and rerun resumes it there', async () => {
    const started = await clientA.pipelines.start('held');
    await until(() => existsSync(attempts), { what: 'the step to start on server A', timeoutMs: 30_000 });
    await a.kill9();
    const killedAt = Date.now();
    const failed = await eventually(
      async () => {
        const run = await clientB.pipelines.getRun(started.id);
        return run.status === 'RUNNING' ? undefined : run;
      },
      { what: 'server B to fail the run', timeoutMs: 30_000, intervalMs: 100 },
    );
    // The lease, a check (a sixth of it) and some slack for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(leaseMs * 2 + 2_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/stopped heartbeating.*mloop pipelines rerun/);
    expect(failed.steps.map((s) => [s.step, s.status])).toEqual([
      ['prepare', 'SUCCEEDED'],
      ['wait', 'FAILED'],
    ]);
    const resumed = await clientB.pipelines.waitForRun((await clientB.pipelines.rerun(started.id)).id, {
      timeoutMs: 30_000,
      pollMs: 100,
    });
    expect(resumed.status, resumed.error).toBe('SUCCEEDED');
    expect(resumed.steps.map((s) => [s.step, s.attempt])).toEqual([
      ['prepare', 1],
      ['wait', 2],
    ]);
    expect(readFileSync(attempts, 'utf8').trim().split('\n')).toHaveLength(2);
  }, 90_000);

  it('abandon ends a running run at once through the API, where rerun refuses it while it runs', async () => {
    const marker = join(dir, 'slow.started');
    await clientB.pipelines.register(`
name: slow
steps:
  wait:
    command: touch ${marker}; sleep 3600
`);
    const started = await clientB.pipelines.start('slow');
    await until(() => existsSync(marker), { what: 'the step to start', timeoutMs: 30_000 });
    await expect(clientB.pipelines.rerun(started.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    const abandoned = await clientB.pipelines.abandon(started.id);
    expect(abandoned.status).toBe('FAILED');
    expect(abandoned.error).toMatch(/^abandoned by/);
    expect(abandoned.steps.map((s) => s.status)).toEqual(['FAILED']);
    await expect(clientB.pipelines.abandon(started.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  }, 90_000);
});
