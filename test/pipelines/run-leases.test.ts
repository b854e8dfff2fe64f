import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { pipeline } from '../../src/pipelines/definition.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { PipelineScheduler } from '../../src/pipelines/triggers/pipeline-scheduler.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { until } from '../helpers/poll.js';
import { testSource } from './pipeline-fixture.js';

const leaseMs = 300;
const twoSteps = `
name: two-steps
triggers:
  alerts: [{rule: drift}]
steps:
  prepare:
    command: echo prepared
  train:
    needs: [prepare]
    command: echo trained
`;

/** A step that runs until the test lets it go (or its run is stopped). */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let entered: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (entered = resolve));
  return { open, started, entered, opened };
}

// Two services on one database stand for two servers: each runner is its own lease owner.
describeEachDialect('pipeline run leases', (dialect) => {
  const clock = new ManualClock(Date.parse('2026-05-04T10:00:00Z'));
  let platform: Platform;
  let serverA: PipelineService;
  let serverB: PipelineService;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock, { pipelineLeaseMs: leaseMs });
    serverA = platformPipelineService(platform);
    serverB = platformPipelineService(platform);
    await serverA.register(parsePipelineYaml(twoSteps), { kind: 'yaml', path: '', text: twoSteps });
  });
  afterAll(() => platform.close());

  /** A run of two-steps as a process that then died mid-`train` leaves it: RUNNING, its lease running out. */
  const orphanedRun = async () => {
    const { id } = await serverA.runner.start(
      parsePipelineYaml(twoSteps),
      (await serverA.get('two-steps')).source,
    );
    await until(async () => (await serverA.getRun(id)).status !== 'RUNNING');
    const prepare = (await serverA.store.stepRunRows(id)).find((s) => s.step === 'prepare')!;
    const train = (await serverA.store.stepRunRows(id)).find((s) => s.step === 'train')!;
    const expires = clock.now() + leaseMs;
    await serverA.store.upsertStepRun({ ...prepare, status: 'SUCCEEDED' });
    await serverA.store.upsertStepRun({
      ...train,
      status: 'RUNNING',
      end_time: null,
      lease_owner: 'proc_gone',
    });
    await serverA.store.updateRun(id, {
      status: 'RUNNING',
      end_time: null,
      error: null,
      lease_owner: 'proc_gone',
      lease_expires_at: expires,
    });
    return id;
  };

  it('fails a run whose process stopped heartbeating once its lease passes, from any server, and rerun resumes it', async () => {
    const id = await orphanedRun();
    expect(await serverB.recoverExpired()).not.toContain(id);
    expect((await serverB.liveRun('two-steps'))?.id).toBe(id);
    clock.advance(leaseMs + 1);
    expect(await serverB.liveRun('two-steps')).toBeUndefined();
    // Both servers check: one of them fails the run.
    const [byA, byB] = await Promise.all([serverA.recoverExpired(), serverB.recoverExpired()]);
    expect([...byA, ...byB].filter((r) => r === id)).toHaveLength(1);
    const failed = await serverB.getRun(id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/stopped heartbeating.*mloop pipelines rerun/);
    expect(failed.steps.find((s) => s.step === 'train')!.status).toBe('FAILED');
    const resumed = await (await serverB.rerun(id)).done;
    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.steps.map((s) => [s.step, s.attempt])).toEqual([
      ['prepare', 1],
      ['train', 2],
    ]);
  });

  it('rerun of a RUNNING run whose lease has passed resumes it at once', async () => {
    const id = await orphanedRun();
    await expect(serverB.rerun(id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    clock.advance(leaseMs + 1);
    expect((await (await serverB.rerun(id)).done).status).toBe('SUCCEEDED');
  });

  it('abandon fails a running run at once; the process driving it stops its steps and writes nothing more', async () => {
    const step = gate();
    let aborted = false;
    const handle = await serverA.runner.start(
      pipeline('held')
        .step('wait', {
          run: async (ctx) => {
            step.entered();
            ctx.signal.addEventListener('abort', () => ((aborted = true), step.open()));
            await step.opened;
          },
        })
        .step('after', { needs: ['wait'], run: () => undefined })
        .build(),
      testSource(),
    );
    await step.started;
    const abandoned = await serverB.abandon(handle.id);
    expect(abandoned.status).toBe('FAILED');
    expect(abandoned.error).toMatch(/^abandoned by/);
    const ended = await handle.done;
    expect(aborted).toBe(true);
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toMatch(/^abandoned by/);
    expect((await serverA.getRun(handle.id)).steps.find((s) => s.step === 'wait')!.status).toBe('FAILED');
    await expect(serverB.abandon(handle.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('a run whose store write failed mid-run is not left RUNNING: its lease runs out and it is failed', async () => {
    // The database goes away as the step's success is written.
    const original = serverA.store.upsertStepRun.bind(serverA.store);
    const write = vi
      .spyOn(serverA.store, 'upsertStepRun')
      .mockImplementation((row) =>
        row.status === 'SUCCEEDED'
          ? Promise.reject(new Error('Connection terminated unexpectedly'))
          : original(row),
      );
    const handle = await serverA.runner.start(
      pipeline('write-fails')
        .step('only', { run: () => undefined })
        .build(),
      testSource(),
    );
    await expect(handle.done).rejects.toThrow(/Connection terminated/);
    write.mockRestore();
    expect((await serverB.getRun(handle.id)).status).toBe('RUNNING');
    clock.advance(leaseMs + 1);
    expect(await serverB.recoverExpired()).toContain(handle.id);
    expect((await serverB.getRun(handle.id)).status).toBe('FAILED');
  });

  it('a trigger is not blocked by a run whose server is gone, and a launch the store failed is retried', async () => {
    const scheduler = new PipelineScheduler(serverB, {
      clock,
      events: platform.events,
      duties: platform.background,
    }).start(3_600_000, leaseMs);
    try {
      const dead = await orphanedRun();
      clock.advance(leaseMs + 1);
      const insert = vi
        .spyOn(serverB.store, 'insertRun')
        .mockImplementationOnce(() => Promise.reject(new Error('Connection terminated unexpectedly')));
      platform.events.emit('monitoring.alert', {
        rule: 'drift',
        model: 'churn',
        kind: 'drift',
        value: 0.4,
        threshold: 0.2,
        alertId: 'al_1',
      });
      await until(async () => scheduler.started.length === 1, { timeoutMs: 15_000 });
      expect(insert).toHaveBeenCalledTimes(2);
      insert.mockRestore();
      const run = await scheduler.started[0]!.done;
      expect(run.status).toBe('SUCCEEDED');
      expect(run.trigger).toMatchObject({ kind: 'alert', detail: { alertId: 'al_1' } });
      expect((await serverB.getRun(dead)).status).toBe('FAILED');
    } finally {
      await scheduler.stop();
    }
  });
});
