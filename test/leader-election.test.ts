import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { loadConfig } from '../src/core/config.js';
import { startAlertScheduler, type AlertScheduler } from '../src/monitoring/alerts/alert-scheduler.js';
import { platformPipelineService } from '../src/pipelines/pipeline-services.js';
import { PipelineScheduler } from '../src/pipelines/triggers/pipeline-scheduler.js';
import { parsePipelineYaml } from '../src/pipelines/yaml-definition.js';
import { openPlatform, type Platform } from '../src/platform.js';
import { StoreLeases } from '../src/store/leases.js';
import { describeEachDialect, openTestPlatform } from './helpers/platform.js';
import { freshPostgresUrl, postgresAvailable } from './helpers/postgres.js';
import { tempDir } from './helpers/tmp.js';

const leaseMs = 1_000;
const nightly = `
name: nightly
triggers:
  cron: "0 9 * * *"
steps:
  hello:
    command: echo hello
`;

describeEachDialect('store leases', (dialect) => {
  const clock = new ManualClock(Date.parse('2026-03-02T08:00:00Z'));
  let platform: Platform;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(async () => platform.close());

  it('one owner holds a name until it stops renewing; then another takes it', async () => {
    const leases = new StoreLeases(platform.database, clock);
    expect(await leases.acquire('cron', 'a', leaseMs)).toBe(true);
    expect(await leases.acquire('cron', 'b', leaseMs)).toBe(false);
    clock.advance(leaseMs / 2);
    expect(await leases.acquire('cron', 'a', leaseMs)).toBe(true); // renewed
    clock.advance(leaseMs / 2 + 1);
    expect(await leases.acquire('cron', 'b', leaseMs)).toBe(false); // renewal moved the expiry
    clock.advance(leaseMs);
    expect(await leases.acquire('cron', 'b', leaseMs)).toBe(true);
    expect(await leases.acquire('cron', 'a', leaseMs)).toBe(false);
    await leases.release('cron', 'b');
    expect(await leases.acquire('cron', 'a', leaseMs)).toBe(true);
  });
});

// Two servers' schedulers on one PostgreSQL: each duty runs on one of them, and on the other when
// the first stops renewing.
(postgresAvailable() ? describe : describe.skip)('once-only duties across two servers', () => {
  // Half a second before 09:00: passing the cron minute takes less than the lease.
  const clock = new ManualClock(Date.parse('2026-03-02T08:59:59.500Z'));
  const platforms: Platform[] = [];
  const alertSchedulers: AlertScheduler[] = [];
  const cronSchedulers: PipelineScheduler[] = [];
  beforeAll(async () => {
    const databaseUrl = await freshPostgresUrl();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({ home: tempDir('mloop-replica-'), databaseUrl }, {});
      platforms.push(
        await openPlatform({ ...config, artifactRoot: join(tempDir(), 'artifacts') }, { clock, leaseMs }),
      );
    }
    const pipelines = platformPipelineService(platforms[0]!);
    await pipelines.register(parsePipelineYaml(nightly), { kind: 'yaml', path: '', text: nightly });
  });
  afterAll(async () => {
    for (const s of alertSchedulers) await s.stop();
    for (const s of cronSchedulers) await s.stop();
    for (const p of platforms) await p.close().catch(() => undefined); // the leader's database is gone
  });

  it('evaluates alert rules and fires a cron pipeline on one server; the other takes over when it stops', async () => {
    const evaluations = platforms.map((p) =>
      vi.spyOn(p.monitoring.alerts.evaluator, 'evaluateAll').mockResolvedValue([]),
    );
    for (const p of platforms) {
      alertSchedulers.push(startAlertScheduler(p.monitoring.alerts.evaluator, 20, p.background));
      cronSchedulers.push(
        new PipelineScheduler(platformPipelineService(p), {
          clock,
          events: p.events,
          duties: p.background,
        }).start(20),
      );
    }
    const calls = () => evaluations.map((e) => e.mock.calls.length);
    await vi.waitFor(() => expect(calls()[0]! + calls()[1]!).toBeGreaterThanOrEqual(10), { timeout: 10_000 });
    const leader = calls()[0]! > 0 ? 0 : 1;
    const follower = 1 - leader;
    expect(calls()[follower]).toBe(0);

    // 09:00 passes: the cron pipeline runs once, not once per server.
    clock.advance(600);
    const pipelines = platformPipelineService(platforms[0]!);
    await vi.waitFor(
      async () => expect((await pipelines.listRuns('nightly', 5))[0]?.status).toBe('SUCCEEDED'),
      {
        timeout: 10_000,
      },
    );
    const afterRun = calls()[leader]!;
    await vi.waitFor(() => expect(calls()[leader]).toBeGreaterThan(afterRun + 5), { timeout: 10_000 });
    expect(await pipelines.listRuns('nightly', 5)).toHaveLength(1);
    expect(calls()[follower]).toBe(0);

    // The leader loses its database (as a crashed or cut-off server): it stops renewing, releases
    // nothing, and the other server takes the duties once the lease has run out.
    await alertSchedulers[leader]!.stop();
    await cronSchedulers[leader]!.stop();
    await platforms[leader]!.database.close();
    clock.advance(leaseMs + 1);
    await vi.waitFor(() => expect(calls()[follower]).toBeGreaterThan(0), { timeout: 10_000 });
  });
});

const retrain = `
name: retrain
triggers:
  alerts:
    - rule: drift
steps:
  fit:
    command: echo fitted
`;

// Two servers each raise an alert the same pipeline answers (two rules firing together, evaluated
// on different servers): each one checks "not running", then starts. One run must come of it.
describeEachDialect('alert-triggered pipelines across two servers', (dialect) => {
  const clock = new ManualClock(Date.parse('2026-03-02T08:00:00Z'));
  const platforms: Platform[] = [];
  const schedulers: PipelineScheduler[] = [];
  beforeAll(async () => {
    const home = tempDir('mloop-replicas-');
    const databaseUrl = dialect === 'sqlite' ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
    for (let i = 0; i < 2; i++) {
      platforms.push(await openPlatform(loadConfig({ home, databaseUrl }, {}), { clock, leaseMs: 60_000 }));
    }
    await platformPipelineService(platforms[0]!).register(parsePipelineYaml(retrain), {
      kind: 'yaml',
      path: '',
      text: retrain,
    });
  });
  afterAll(async () => {
    for (const s of schedulers) await s.stop();
    for (const p of platforms) await p.close();
  });

  it('starts one run when both servers raise the alert at once', async () => {
    const services = platforms.map((p) => platformPipelineService(p));
    // Each server's "is it running?" answers only once the other has asked too: the interleaving
    // in which both see nothing running (or, when one waits for the other, a second of patience).
    const asked = services.map(() => {
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    services.forEach((service, i) => {
      const listRuns = service.listRuns.bind(service);
      vi.spyOn(service, 'listRuns').mockImplementation(async (...args) => {
        const runs = await listRuns(...args);
        asked[i]!.resolve();
        await Promise.race([asked[1 - i]!.promise, new Promise((r) => setTimeout(r, 1_000))]);
        return runs;
      });
    });
    services.forEach((service, i) =>
      schedulers.push(
        new PipelineScheduler(service, {
          clock,
          events: platforms[i]!.events,
          duties: platforms[i]!.background,
        }).start(60_000),
      ),
    );
    platforms.forEach((p, i) =>
      p.events.emit('monitoring.alert', {
        rule: 'drift',
        model: 'churn',
        kind: 'drift_share',
        value: 0.5,
        threshold: 0.3,
        alertId: `alert-${i}`,
      }),
    );
    await vi.waitFor(
      async () => {
        const runs = await services[0]!.listRuns('retrain', 5);
        expect(runs.length).toBeGreaterThan(0);
        expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
      },
      { timeout: 10_000 },
    );
    // Both servers' handlers have finished: whatever they were going to start, they have.
    await Promise.all(platforms.map((p) => p.background.stop()));
    expect(await services[0]!.listRuns('retrain', 5)).toHaveLength(1);
  });
});
