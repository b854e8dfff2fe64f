/** A bucket untouched this long has refilled completely: forgetting it changes nothing. */
const FULL_AFTER_MS = 60_000;

/** Takes one request's token for a caller; 0 when allowed, else the milliseconds until one is free. */
export interface RateLimiter {
  take(key: string): number | Promise<number>;
  close?(): Promise<void>;
}

/**
 * Token buckets per caller (a token id, or an address without one): `perMinute` requests a
 * minute on average, bursts up to the same number. In memory: each server process limits alone
 * (with Redis configured, servers share limits instead: see shared-rate-limit.ts).
 * Memory is bounded by forgetting buckets one at a time, least recently used first (idle ones
 * have refilled anyway), never all at once: a flood of new addresses cannot reset a busy caller.
 */
export class TokenBuckets implements RateLimiter {
  // Ordered by last use, oldest first: a Map iterates in insertion order and take() re-inserts.
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly capacity = 100_000,
  ) {}

  /** Takes one request's token; returns 0 when allowed, else the milliseconds until one is free. */
  take(key: string): number {
    if (this.perMinute <= 0) return 0;
    const now = this.now();
    const ratePerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updated: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updated) * ratePerMs);
    bucket.updated = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.forgetOldest(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / ratePerMs);
  }

  /** How many callers are remembered (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  private forgetOldest(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.buckets.size <= this.capacity && now - bucket.updated < FULL_AFTER_MS) return;
      this.buckets.delete(key);
    }
  }
}
