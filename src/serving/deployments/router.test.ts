import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';
import { abBucket, route, type RoutingTarget } from './router.js';
import type { CandidateMode } from './types.js';

const target = (mode: CandidateMode, percent: number, name = 'churn-api'): RoutingTarget => ({
  name,
  candidate: { version: '2', mode, percent },
});

function share(t: RoutingTarget, draws: number, seed: number, key?: (i: number) => string): number {
  const random = seededRandom(seed);
  let candidate = 0;
  for (let i = 0; i < draws; i++) {
    if (route(t, { key: key?.(i) }, random).answer === 'candidate') candidate++;
  }
  return candidate / draws;
}

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(seededRandom(8)()).not.toBe(values[0]);
  });
});

describe('route', () => {
  it('sends everything to the primary without a candidate', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 100; i++) {
      expect(route({ name: 'd' }, {}, random)).toEqual({ answer: 'primary', shadow: false });
    }
  });

  it.each([1, 10, 30, 50, 90])('gives a %d% canary its share within 1.5 points over 20,000 draws', (p) => {
    expect(Math.abs(share(target('canary', p), 20_000, 42) - p / 100)).toBeLessThan(0.015);
  });

  it('gives a canary exactly the same answers for the same seed', () => {
    const decisions = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 200 }, () => route(target('canary', 30), {}, random).answer);
    };
    expect(decisions(3)).toEqual(decisions(3));
  });

  it('never routes to a 0% canary and always to a 100% one', () => {
    expect(share(target('canary', 0), 5_000, 1)).toBe(0);
    expect(share(target('canary', 100), 5_000, 1)).toBe(1);
  });

  it('never lets a shadow answer, and copies every request at 100%', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 5_000; i++) {
      expect(route(target('shadow', 100), { key: `user-${i}` }, random)).toEqual({
        answer: 'primary',
        shadow: true,
      });
    }
  });

  it('copies a sampled share of requests to a shadow below 100%', () => {
    const random = seededRandom(11);
    let copies = 0;
    for (let i = 0; i < 20_000; i++) {
      const decision = route(target('shadow', 25), {}, random);
      expect(decision.answer).toBe('primary');
      if (decision.shadow) copies++;
    }
    expect(Math.abs(copies / 20_000 - 0.25)).toBeLessThan(0.015);
  });

  it('keeps an A/B key on the same arm whatever the random source says', () => {
    const t = target('ab', 50);
    for (let i = 0; i < 500; i++) {
      const first = route(t, { key: `user-${i}` }, seededRandom(i)).answer;
      for (let seed = 0; seed < 5; seed++) {
        expect(route(t, { key: `user-${i}` }, seededRandom(1000 + seed)).answer).toBe(first);
      }
    }
  });

  it('splits A/B keys by the percentage', () => {
    expect(Math.abs(share(target('ab', 30), 20_000, 5, (i) => `user-${i}`) - 0.3)).toBeLessThan(0.015);
  });

  it('keeps candidate keys on the candidate when the A/B share grows', () => {
    for (let i = 0; i < 2_000; i++) {
      const key = `session-${i}`;
      const at20 = route(target('ab', 20), { key }, seededRandom(0)).answer;
      if (at20 === 'candidate')
        expect(route(target('ab', 60), { key }, seededRandom(0)).answer).toBe('candidate');
    }
  });

  it('assigns keys independently in different deployments', () => {
    let differ = 0;
    for (let i = 0; i < 2_000; i++) {
      const a = route(target('ab', 50, 'first'), { key: `k${i}` }, seededRandom(0)).answer;
      const b = route(target('ab', 50, 'second'), { key: `k${i}` }, seededRandom(0)).answer;
      if (a !== b) differ++;
    }
    expect(differ / 2_000).toBeGreaterThan(0.4);
  });
});

describe('abBucket', () => {
  it('is deterministic and in [0, 100)', () => {
    expect(abBucket('d', 'alice')).toBe(abBucket('d', 'alice'));
    for (let i = 0; i < 1000; i++) {
      const b = abBucket('d', String(i));
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(100);
    }
  });
});
