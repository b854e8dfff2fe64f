import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { ArmStatsRecorder, percentile } from '../../src/serving/deployments/arm-stats.js';
import { describeEachDialect } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

describeEachDialect('arm statistics', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
  // Two servers on one database, each with its own recorder, as replicas run.
  const servers: Platform[] = [];
  const recorder = (i = 0, options = {}) => new ArmStatsRecorder(servers[i]!.database, clock, options);

  beforeEach(async () => {
    const home = tempDir('mloop-arms-');
    const databaseUrl = dialect === 'sqlite' ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
    for (let i = 0; i < 2; i++)
      servers.push(await openPlatform(loadConfig({ home, databaseUrl }, {}), { clock }));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('counts requests and errors per arm and deployment', async () => {
    const arms = recorder();
    arms.record('a', 'primary', 5, true);
    arms.record('a', 'candidate', 7, false);
    arms.record('a', 'candidate', 9, true);
    arms.record('b', 'candidate', 1, true);
    expect(await arms.stats('a', 'primary', 0)).toEqual({ requests: 1, errors: 0, p99LatencyMs: 5 });
    expect(await arms.stats('a', 'candidate', 0)).toEqual({ requests: 2, errors: 1, p99LatencyMs: 9 });
    expect(await arms.stats('a', 'shadow', 0)).toEqual({ requests: 0, errors: 0, p99LatencyMs: undefined });
  });

  it("judges every server's requests: what another server flushed counts here", async () => {
    const [here, there] = [recorder(0), recorder(1)];
    for (let i = 0; i < 30; i++) here.record('a', 'candidate', 10, true);
    for (let i = 0; i < 70; i++) there.record('a', 'candidate', 50, i >= 7);
    await there.flush();
    expect(await here.stats('a', 'candidate', 0)).toEqual({ requests: 100, errors: 7, p99LatencyMs: 50 });
  });

  it('reads only the window since the given time', async () => {
    const arms = recorder();
    arms.record('a', 'candidate', 500, false);
    clock.advance(1000);
    const windowStart = clock.now();
    arms.record('a', 'candidate', 10, true);
    arms.record('a', 'candidate', 20, true);
    expect(await arms.stats('a', 'candidate', windowStart)).toEqual({
      requests: 2,
      errors: 0,
      p99LatencyMs: 20,
    });
  });

  it('splits a window into minutes with their own counts and p99, skipping minutes without requests', async () => {
    const minuteClock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const arms = new ArmStatsRecorder(servers[0]!.database, minuteClock);
    arms.record('m', 'primary', 900, true); // before the window
    minuteClock.advance(60_000); // 12:01:30
    for (let i = 1; i <= 100; i++) arms.record('m', 'primary', i, i !== 7);
    minuteClock.advance(120_000); // 12:03:30, nothing at 12:02
    arms.record('m', 'primary', 40, false);
    const minute = (m: number) => Date.UTC(2026, 0, 1, 12, m);
    expect(await arms.perMinute('m', 'primary', minute(1))).toEqual([
      { time: minute(1), requests: 100, errors: 1, p99LatencyMs: 99 },
      { time: minute(3), requests: 1, errors: 1, p99LatencyMs: 40 },
    ]);
    expect(await arms.perMinute('m', 'shadow', 0)).toEqual([]);
  });

  it('counts every request but computes the p99 from a bounded number of the newest', async () => {
    const arms = recorder(0, { maxSamplesPerArm: 100 });
    for (let i = 0; i < 1000; i++) {
      clock.advance(1);
      arms.record('a', 'primary', i, true);
    }
    const stats = await arms.stats('a', 'primary', 0);
    expect(stats.requests).toBe(1000);
    expect(stats.p99LatencyMs).toBeGreaterThan(990);
  });

  it('forgets a deployment', async () => {
    const arms = recorder();
    arms.record('a', 'primary', 1, true);
    arms.record('ab', 'primary', 1, true);
    await arms.flush();
    await arms.forget('a');
    expect((await arms.stats('a', 'primary', 0)).requests).toBe(0);
    expect((await arms.stats('ab', 'primary', 0)).requests).toBe(1);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([...values, 1000], 0.99)).toBe(100);
    expect(percentile([3], 0.99)).toBe(3);
    expect(percentile([], 0.99)).toBeUndefined();
  });
});
