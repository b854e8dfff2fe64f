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
