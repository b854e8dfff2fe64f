import { kolmogorovSf } from './kolmogorov-distribution.js';

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(a, b)` (method 'auto'):
 * D = sup |F₁(x) − F₂(x)| over the pooled values, with the empirical CDFs right-continuous (so ties
 * are handled by evaluating after all equal values). The p-value is
 * - exact when max(n₁, n₂) <= 10,000 (scipy's 'auto' rule): D is snapped to h / lcm(n₁, n₂) and
 *   Pr(D >= h / lcm) is counted over the lattice paths from (0, 0) to (n₁, n₂) (Hodges 1958), for
 *   n₁ = n₂ by the reflection-principle series, otherwise by walking the paths that stay strictly
 *   inside the band and accumulating, point by point, the probability of having left it
 *   (Viehmann, arXiv:2102.08037), which stays in [0, 1] and cannot overflow;
 * - asymptotic otherwise: Pr(D_N > D) for the one-sample distribution with N = round(n₁n₂/(n₁+n₂))
 *   (see kolmogorov-distribution.ts).
 * Inputs must be sorted ascending and free of NaN; both O(n₁ + n₂) after sorting.
 */
export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

const MAX_EXACT_N = 10_000;

export function ksTwoSample(sortedA: Float64Array, sortedB: Float64Array): KsResult {
  const n1 = sortedA.length;
  const n2 = sortedB.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ksTwoSample needs two non-empty samples');
  let statistic = ksStatistic(sortedA, sortedB);
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(statistic * lcm);
    statistic = h / lcm;
    if (h === 0) return { statistic, pValue: 1, method: 'exact' };
    const pValue =
      n1 === n2
        ? probabilityOutsideSquare(n1, h)
        : probabilityLeavingBand(Math.max(n1, n2), Math.min(n1, n2), g, h);
    if (pValue >= 0 && pValue <= 1) return { statistic, pValue, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const effectiveN = roundHalfEven((m * n) / (m + n));
  return { statistic, pValue: kolmogorovSf(effectiveN, statistic), method: 'asymp' };
}

/** sup |F₁ − F₂|, evaluated after each run of equal values (a merge of the two sorted arrays). */
export function ksStatistic(sortedA: Float64Array, sortedB: Float64Array): number {
  const n1 = sortedA.length;
  const n2 = sortedB.length;
  let i = 0;
  let j = 0;
  let max = 0;
  while (i < n1 && j < n2) {
    const a = sortedA[i] ?? 0;
    const b = sortedB[j] ?? 0;
    const value = a <= b ? a : b;
    while (i < n1 && sortedA[i] === value) i++;
    while (j < n2 && sortedB[j] === value) j++;
    const difference = Math.abs(i / n1 - j / n2);
    if (difference > max) max = difference;
  }
  // Once one sample is exhausted its CDF is 1; the other's only rises towards 1 from here, so the
  // largest remaining gap is at the current position, already counted above.
  return max;
}

/**
 * Pr(D_{n,n} >= h/n) = 2 Σ_{k>=1} (−1)^{k−1} C(2n, n − kh) / C(2n, n), summed from the innermost
 * term outwards as 2·r₀(1 − r₁(1 − r₂(…))) with rₖ = C(2n, n − (k+1)h) / C(2n, n − kh), which
 * avoids both huge binomials and cancellation.
 */
function probabilityOutsideSquare(n: number, h: number): number {
  let nested = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = (ratio * (n - k * h - j)) / (n + k * h + j + 1);
    nested = ratio * (1 - nested);
  }
  return 2 * nested;
}

/**
 * Pr(D >= h / lcm) for samples of sizes m >= n with gcd g: the probability that a uniformly random
 * lattice path from (0, 0) to (m, n) touches or leaves the band |i/m − j/n| < h/lcm. For a point
 * (i, j) inside the band, a random path reaching it arrived from (i−1, j) with probability
 * i/(i+j) and from (i, j−1) with probability j/(i+j); points outside have probability 1.
 * Only the band's window of each column is kept.
 */
function probabilityLeavingBand(m: number, n: number, g: number, h: number): number {
  const mg = m / g;
  const ng = n / g;
  // Point (i, j) is inside the band when |ng·i − mg·j| < h.
  let lowest = 0;
  let end = Math.min(Math.ceil(h / mg), n + 1); // exclusive
  let column = new Float64Array(n + 1); // column[j − lowest]; zero inside the first column
  let next = new Float64Array(n + 1);
  for (let i = 1; i <= m; i++) {
    const previousLowest = lowest;
    const previousEnd = end;
    lowest = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    end = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (end <= lowest) return 1;
    let below = lowest === 0 ? 0 : 1;
    for (let j = lowest; j < end; j++) {
      const left = j < previousEnd ? (column[j - previousLowest] ?? 1) : 1;
      below = (left * i + below * j) / (i + j);
      next[j - lowest] = below;
    }
    [column, next] = [next, column];
  }
  return column[end - lowest - 1] ?? 1;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
