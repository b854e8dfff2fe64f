/**
 * Survival function of the one-sided one-sample Kolmogorov–Smirnov statistic D⁺ₙ:
 * Pr(D⁺ₙ ≥ x), as `scipy.special.smirnov(n, x)` defines it.
 *
 * Exact for n <= 1,000,000 by the Smirnov (1944) / Birnbaum & Tingey (1951) sum
 *   Pr(D⁺ₙ ≥ x) = x Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^{v−1} (1 − x − v/n)^{n−v},
 * whose terms are all positive. The terms are evaluated in logs (the binomial coefficient built up
 * incrementally) so that neither C(n, v) nor the powers overflow; the summation is scaled.
 * Edge cases follow the closed forms: x <= 1/n gives 1 − x(1 + x)^{n−1}, x >= 1 − 1/n gives
 * (1 − x)ⁿ. For n above 1,000,000 scipy switches to the approximation exp(−(6nx + 1)² / (18n))
 * (van Mulbregt, arXiv:1802.06966), and so do we, to give the same numbers.
 */

const MAX_EXACT_N = 1_000_000;
/** log of the smallest positive normal double, about −708.4: the sf underflows below it. */
const MIN_LOG = Math.log(2.2250738585072014e-308);

export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || !(x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  if (nx <= 1) return 1 - x * Math.pow(1 + x, n - 1);
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nx >= n - 1) return Math.pow(1 - x, n);
  if (n > MAX_EXACT_N) {
    const logP = -Math.pow(6 * nx + 1, 2) / 18 / n;
    return logP < -Math.LN2 ? Math.exp(logP) : 1 + Math.expm1(logP);
  }
  return lowerSum(n, x, nx);
}

function lowerSum(n: number, x: number, nx: number): number {
  // Terms with 1 − x − v/n <= 0 vanish; v runs while n − v − nx > 0.
  let logBinomial = 0; // log C(n, v)
  let scale = Number.NEGATIVE_INFINITY; // the sum is kept as total × e^scale
  let total = 0;
  let previousLogTerm = Number.NEGATIVE_INFINITY;
  for (let v = 0; n - v - nx > 0; v++) {
    if (v > 0) logBinomial += Math.log((n - v + 1) / v);
    // x + v/n and 1 − x − v/n, written to keep the integer parts exact.
    const up = (nx + v) / n;
    const down = (n - v - nx) / n;
    const logTerm = logBinomial + (v - 1) * Math.log(up) + (n - v) * Math.log(down);
    if (logTerm > scale) {
      total = total * Math.exp(scale - logTerm) + 1;
      scale = logTerm;
    } else {
      total += Math.exp(logTerm - scale);
    }
    // The terms rise then fall; once falling, stop when the rest cannot change the sum.
    const remaining = n - v - nx;
    if (logTerm < previousLogTerm && logTerm - scale + Math.log(4 * remaining) < Math.log(1e-17 * total)) {
      break;
    }
    previousLogTerm = logTerm;
  }
  return Math.min(1, Math.max(0, x * total * Math.exp(scale)));
}
