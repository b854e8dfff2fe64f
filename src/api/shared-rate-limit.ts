import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TokenBuckets, type RateLimiter } from './rate-limit.js';

// GCRA, the token bucket kept as one number per caller (its "theoretical arrival time"), in one
// atomic step on Redis's clock, so servers with skewed clocks still agree. A caller may send
// `burst` requests at once, then one per `interval` ms: the same as TokenBuckets' bucket of
// `perMinute` tokens refilled over a minute.
const gcra = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return math.ceil(tat - now - tolerance) end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now) + 1)
return 0
`;

/**
 * Rate limits shared by every server of one store through Redis: N servers behind a balancer allow
 * `perMinute` requests per caller in all, not N times as many. Callers are counted under a prefix
 * of the store they serve, so other mloop installations on the same Redis do not share buckets.
 * When Redis does not answer, each server limits alone (`local`) rather than refuse or let all pass.
 */
export class RedisTokenBuckets implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private lastWarning = 0;

  constructor(
    redisUrl: string,
    storeUrl: string,
    private readonly perMinute: number,
    private readonly local: TokenBuckets,
    private readonly log?: { warn(details: object, message: string): void },
  ) {
    // Commands fail at once while disconnected (no queue): a request never waits on Redis coming back.
    this.redis = new Redis(redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectionName: 'mloop-rate-limit',
    });
    this.redis.on('error', (error: unknown) => this.warn(error));
    this.redis.defineCommand('mloopGcra', { numberOfKeys: 1, lua: gcra });
    const store = createHash('sha256').update(storeUrl).digest('hex').slice(0, 16);
    this.prefix = `mloop:rate-limit:${store}:`;
  }

  async take(key: string): Promise<number> {
    if (this.perMinute <= 0) return 0;
    const interval = 60_000 / this.perMinute;
    try {
      const run = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<number>>)
        .mloopGcra!;
      return Number(await run.call(this.redis, this.prefix + key, interval, (this.perMinute - 1) * interval));
    } catch (error) {
      this.warn(error);
      return this.local.take(key);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.log?.warn({ err: error }, 'rate limit: Redis unreachable; each server limits alone meanwhile');
  }
}

/**
 * The server's rate limiter: shared through Redis when `redisUrl` is set (every server of the
 * store counts each caller together), else this process's own buckets.
 */
export function openRateLimiter(
  settings: { rateLimitPerMinute: number; redisUrl: string | undefined; databaseUrl: string },
  now: () => number,
  log?: { warn(details: object, message: string): void },
): RateLimiter {
  const local = new TokenBuckets(settings.rateLimitPerMinute, now);
  if (!settings.redisUrl || settings.rateLimitPerMinute <= 0) return local;
  return new RedisTokenBuckets(
    settings.redisUrl,
    settings.databaseUrl,
    settings.rateLimitPerMinute,
    local,
    log,
  );
}
