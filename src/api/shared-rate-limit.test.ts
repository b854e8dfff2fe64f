import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limit.js';
import { RedisTokenBuckets } from './shared-rate-limit.js';

describe('RedisTokenBuckets', () => {
  it("limits with this server's own buckets while Redis does not answer", async () => {
    // A port nothing listens on: the Redis is down.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));

    const limiter = new RedisTokenBuckets(
      `redis://127.0.0.1:${port}`,
      'sqlite:mloop.db',
      2,
      new TokenBuckets(2, () => 0),
    );
    try {
      expect(await limiter.take('caller')).toBe(0);
      expect(await limiter.take('caller')).toBe(0);
      expect(await limiter.take('caller')).toBeGreaterThan(0);
    } finally {
      await limiter.close();
    }
  });
});
