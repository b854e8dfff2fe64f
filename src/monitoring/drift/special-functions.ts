/**
 * The few special functions the drift tests need, in double precision.
 *
 * - `logGamma`: Stirling's series with Bernoulli-number coefficients for x >= 10 (error below
 *   1e-15 relative), lifted from smaller x by the recurrence Γ(x + 1) = x Γ(x).
 * - `regularizedGammaQ`: the upper regularized incomplete gamma function Q(a, x), by its power series
 *   for P = 1 - Q when x < a + 1 and by its continued fraction (evaluated with the modified Lentz
 *   method) otherwise; both as in Abramowitz & Stegun 6.5.29 and 6.5.31.
 * - the chi-square and standard normal survival functions are Q in disguise:
 *   chi2.sf(x; k) = Q(k/2, x/2) and erfc(z) = Q(1/2, z²).
 */

const TINY = 1e-300;
const EPSILON = 2.220446049250313e-16;
const MAX_ITERATIONS = 100_000;

// B_{2j} / (2j (2j - 1)) for j = 1..8: the terms of Stirling's series for log Γ.
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];

/** log Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  let z = x;
  // Γ(x) = Γ(x + k) / (x (x+1) ... (x+k-1)); the product is kept as a log sum to avoid overflow.
  while (z < 10) {
    shift += Math.log(z);
    z += 1;
  }
  const inverse = 1 / z;
  const inverseSquared = inverse * inverse;
  let series = 0;
  for (let j = STIRLING.length - 1; j >= 0; j--) series = series * inverseSquared + (STIRLING[j] ?? 0);
  series *= inverse;
  return (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** e^{-x} x^a / Γ(a): the common factor of both expansions, computed in logs. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

/** P(a, x) by its power series; converges quickly for x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return sum * gammaPrefactor(a, x);
}

/** Q(a, x) by its continued fraction; converges quickly for x >= a + 1. */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return fraction * gammaPrefactor(a, x);
}

/** Q(a, x) = Γ(a, x) / Γ(a), the upper regularized incomplete gamma function (a > 0, x >= 0). */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) return Math.min(1, Math.max(0, 1 - lowerSeries(a, x)));
  return Math.min(1, Math.max(0, upperContinuedFraction(a, x)));
}

/** Survival function of the chi-square distribution with `degreesOfFreedom` (scipy.stats.chi2.sf). */
export function chiSquareSf(statistic: number, degreesOfFreedom: number): number {
  if (Number.isNaN(statistic)) return Number.NaN;
  if (statistic <= 0) return 1;
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2);
}

/** The complementary error function. */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z < 0) return 2 - erfc(-z);
  return regularizedGammaQ(0.5, z * z);
}

/** Survival function of the standard normal distribution, 1 - Φ(z) (scipy.stats.norm.sf). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
