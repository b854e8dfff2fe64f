import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { ArmStatsRecorder, percentile } from './arm-stats.js';

describe('ArmStatsRecorder', () => {
  it('counts requests and errors per arm and deployment', () => {
    const recorder = new ArmStatsRecorder(new ManualClock());
    recorder.record('a', 'primary', 5, true);
    recorder.record('a', 'candidate', 7, false);
    recorder.record('a', 'candidate', 9, true);
    recorder.record('b', 'candidate', 1, true);
    expect(recorder.stats('a', 'primary', 0)).toEqual({ requests: 1, errors: 0, p99LatencyMs: 5 });
    expect(recorder.stats('a', 'candidate', 0)).toEqual({ requests: 2, errors: 1, p99LatencyMs: 9 });
    expect(recorder.stats('a', 'shadow', 0)).toEqual({ requests: 0, errors: 0, p99LatencyMs: undefined });
  });

  it('reads only the window since the given time', () => {
    const clock = new ManualClock();
    const recorder = new ArmStatsRecorder(clock);
    recorder.record('a', 'candidate', 500, false);
    clock.advance(1000);
    const windowStart = clock.now();
    recorder.record('a', 'candidate', 10, true);
    recorder.record('a', 'candidate', 20, true);
    expect(recorder.stats('a', 'candidate', windowStart)).toEqual({
      requests: 2,
      errors: 0,
      p99LatencyMs: 20,
    });
  });

  it('splits a window into minutes with their own counts and p99, skipping minutes without requests', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const recorder = new ArmStatsRecorder(clock);
    recorder.record('a', 'primary', 900, true); // before the window
    clock.advance(60_000); // 12:01:30
    for (let i = 1; i <= 100; i++) recorder.record('a', 'primary', i, i !== 7);
    clock.advance(120_000); // 12:03:30, nothing at 12:02
    recorder.record('a', 'primary', 40, false);
    const minute = (m: number) => Date.UTC(2026, 0, 1, 12, m);
    expect(recorder.perMinute('a', 'primary', minute(1))).toEqual([
      { time: minute(1), requests: 100, errors: 1, p99LatencyMs: 99 },
      { time: minute(3), requests: 1, errors: 1, p99LatencyMs: 40 },
    ]);
    expect(recorder.perMinute('a', 'shadow', 0)).toEqual([]);
  });

  it('keeps a bounded number of the newest samples', () => {
    const recorder = new ArmStatsRecorder(new ManualClock(), { maxSamplesPerArm: 100 });
    for (let i = 0; i < 1000; i++) recorder.record('a', 'primary', i, true);
    const stats = recorder.stats('a', 'primary', 0);
    expect(stats.requests).toBeGreaterThanOrEqual(100);
    expect(stats.requests).toBeLessThanOrEqual(125);
    // Only the newest samples remain: the p99 is among the largest latencies.
    expect(stats.p99LatencyMs).toBeGreaterThan(990);
  });

  it('forgets a deployment', () => {
    const recorder = new ArmStatsRecorder(new ManualClock());
    recorder.record('a', 'primary', 1, true);
    recorder.record('ab', 'primary', 1, true);
    recorder.forget('a');
    expect(recorder.stats('a', 'primary', 0).requests).toBe(0);
    expect(recorder.stats('ab', 'primary', 0).requests).toBe(1);
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
