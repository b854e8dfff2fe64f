/** Seeded samples for the drift tests: the same seed gives the same data on every run. */

/** mulberry32: a small, fast 32-bit generator, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n normal draws (Box–Muller) with the given mean and standard deviation. */
export function normalSample(random: () => number, n: number, mean = 0, std = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - random();
    const v = random();
    out[i] = mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

export function uniformSample(random: () => number, n: number, low: number, high: number): Float64Array {
  return Float64Array.from({ length: n }, () => low + (high - low) * random());
}

/** Integers 0..levels−1 drawn with the given weights (ties galore). */
export function integerSample(random: () => number, n: number, weights: number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0);
  return Float64Array.from({ length: n }, () => {
    let r = random() * total;
    for (let k = 0; k < weights.length; k++) {
      r -= weights[k] ?? 0;
      if (r < 0) return k;
    }
    return weights.length - 1;
  });
}

/** Category labels drawn with the given weights. */
export function categorySample(
  random: () => number,
  n: number,
  labels: string[],
  weights: number[],
): string[] {
  return Array.from(integerSample(random, n, weights), (k) => labels[k] ?? '');
}

export function sorted(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}

export function countsOf(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
