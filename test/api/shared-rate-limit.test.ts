import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../helpers/redis.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const redisUrl = testRedisUrl();
const perMinute = 10;

// Two servers of one store with a Redis: a caller's requests count against one limit, whichever
// server takes them (a balancer in front would otherwise multiply the limit by the servers).
(redisUrl ? describe : describe.skip)('rate limits shared by the servers of a store through Redis', () => {
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    const home = tempDir('mloop-rate-limit-');
    const env = {
      MLOOP_DATABASE_URL: `sqlite:${join(home, 'mloop.db')}`,
      MLOOP_ARTIFACT_ROOT: join(home, 'artifacts'),
      MLOOP_REDIS_URL: redisUrl!,
      MLOOP_RATE_LIMIT_PER_MINUTE: String(perMinute),
    };
    for (let i = 0; i < 2; i++) servers.push(await startServer({ env }));
  }, 60_000);
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it('allows a caller its per-minute limit across both servers, not on each', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    // Twice the limit, alternating between the servers, within far less than the 6 s a token takes
    // to come back: apart, each server would allow all ten it gets.
    for (let i = 0; i < 2 * perMinute; i++) {
      const response = await fetch(`${servers[i % 2]!.url}/health`);
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
    }
    const allowed = statuses.filter((s) => s === 200).length;
    expect(allowed).toBeGreaterThanOrEqual(perMinute);
    expect(allowed).toBeLessThanOrEqual(perMinute + 1); // a token may come back during the burst
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * perMinute - allowed);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  }, 30_000);
});
