import { describe, expect, it } from 'vitest';
import { clientKey } from './auth.js';
import { TokenBuckets } from './rate-limit.js';

describe('TokenBuckets', () => {
  it('keeps refusing a busy caller while a flood of new addresses passes by', () => {
    const now = 0;
    const buckets = new TokenBuckets(5, () => now);
    for (let i = 0; i < 5; i++) expect(buckets.take('guesser')).toBe(0);
    // 150,000 other callers, the guesser still trying between them: its bucket is never dropped.
    for (let i = 0; i < 150_000; i++) {
      buckets.take(`ip:10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
      if (i % 1000 === 0) expect(buckets.take('guesser'), `after ${i} others`).toBeGreaterThan(0);
    }
    expect(buckets.size).toBeLessThanOrEqual(100_000);
  });

  it('forgets a caller idle for a minute one by one, its bucket being full again anyway', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, () => now, 10);
    buckets.take('a');
    now = 30_000;
    buckets.take('b');
    now = 61_000;
    buckets.take('c');
    expect(buckets.size).toBe(2); // a went; b (31 s idle) and c stay
  });
});

describe('clientKey', () => {
  it('groups IPv6 addresses by /64 and reads IPv4-mapped ones as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:0db8:0001:0002:ffff:1:2:3'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.7')).toBe(clientKey('192.0.2.7'));
    expect(clientKey('::1')).toBe('ip6:0:0:0:0::/64');
  });
});
