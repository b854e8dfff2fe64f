import { smirnovSf } from './smirnov.js';

/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic Dₙ, Pr(Dₙ > x):
 * `scipy.stats.kstwo.sf(x, n)`, which `ks_2samp` uses for large samples with n = round(mn/(m+n)).
 *
 * The choice of method per (n, x) is Simard & L'Ecuyer, "Computing the Two-Sided
 * Kolmogorov-Smirnov Distribution", J. Stat. Software 39(11), 2011, with scipy's cut-offs:
 * - nx <= 1 and nx >= n − 1: Ruben & Gambino's closed forms;
 * - x >= 0.5, or n <= 140 with nx² > 4, or n > 140 with nx² >= 2.2: 2 × the one-sided
 *   probability (Miller's approximation, exact for x >= 0.5);
 * - otherwise an exact CDF by Durbin's matrix (Marsaglia, Tsang & Wang, J. Stat. Software 8(18),
 *   2003) when n <= 140 or (n <= 100,000 and n·x^1.5 <= 1.4), else Pelz & Good's asymptotic series
 *   (J. Royal Stat. Soc. B 38(2), 1976).
 * scipy uses Pomeranz's recursion for n <= 140 and 0.754693 < nx² <= 4; Durbin's matrix computes
 * the same exact probability there, so it is used instead.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    // Pr(Dₙ <= x) = n!/nⁿ (2t − 1)ⁿ
    return clip(1 - Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1)));
  }
  if (t >= n - 1) return clip(2 * Math.pow(1 - x, n));
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 4) return clip(1 - durbinCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return clip(1 - cdf);
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** log(n! / nⁿ), summed exactly for small n and by Stirling's series beyond. */
function logFactorialOverPower(n: number): number {
  if (n <= 140) {
    let sum = 0;
    for (let i = 1; i <= n; i++) sum += Math.log(i / n);
    return sum;
  }
  const r = 1 / n;
  const series = r * (1 / 12 - (r * r) / 360 + (r * r * r * r) / 1260);
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + series;
}

const SCALE_EXPONENT = 128;
const SCALE_UP = Math.pow(2, SCALE_EXPONENT);
const SCALE_DOWN = Math.pow(2, -SCALE_EXPONENT);

/**
 * Pr(Dₙ < d) by Durbin's matrix method: with d = (k − h)/n, k = ⌈nd⌉, the answer is
 * n!/nⁿ · (Hⁿ)_{k,k} for an m × m matrix H, m = 2k − 1 (Marsaglia, Tsang & Wang 2003).
 */
function durbinCdf(n: number, d: number): number {
  const k = Math.ceil(n * d);
  const h = k - n * d;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const inverseFactorial = new Float64Array(m + 1);
  inverseFactorial[0] = 1;
  for (let i = 1; i <= m; i++) inverseFactorial[i] = (inverseFactorial[i - 1] ?? 0) / i;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const power = i - j + 1;
      if (power >= 0) H[i * m + j] = inverseFactorial[power] ?? 0;
    }
  }
  for (let i = 0; i < m; i++) {
    H[i * m] = (H[i * m] ?? 0) - Math.pow(h, i + 1) * (inverseFactorial[i + 1] ?? 0);
    const last = (m - 1) * m + i;
    H[last] = (H[last] ?? 0) - Math.pow(h, m - i) * (inverseFactorial[m - i] ?? 0);
  }
  const corner = (m - 1) * m;
  H[corner] = (H[corner] ?? 0) + (2 * h - 1 > 0 ? Math.pow(2 * h - 1, m) * (inverseFactorial[m] ?? 0) : 0);

  const { matrix, exponent } = matrixPower(H, m, n, k - 1);
  let p = matrix[(k - 1) * m + (k - 1)] ?? 0;
  let scale = exponent;
  for (let i = 1; i <= n; i++) {
    p = (p * i) / n;
    if (p < SCALE_DOWN) {
      p *= SCALE_UP;
      scale -= SCALE_EXPONENT;
    }
  }
  return clip(p * Math.pow(2, scale));
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l] ?? 0;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] = (out[i * m + j] ?? 0) + ail * (b[l * m + j] ?? 0);
    }
  }
  return out;
}

/** Hⁿ by repeated squaring, rescaled by powers of two (returned as `exponent`) to avoid overflow. */
function matrixPower(
  base: Float64Array,
  m: number,
  n: number,
  watch: number,
): { matrix: Float64Array; exponent: number } {
  let result: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) result[i * m + i] = 1;
  let square: Float64Array = base;
  let exponent = 0;
  let squareExponent = 0;
  for (let remaining = n; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) {
      result = multiply(result, square, m);
      exponent += squareExponent;
    }
    square = multiply(square, square, m);
    squareExponent *= 2;
    if (Math.abs(square[watch * m + watch] ?? 0) > SCALE_UP) {
      for (let i = 0; i < square.length; i++) square[i] = (square[i] ?? 0) * SCALE_DOWN;
      squareExponent += SCALE_EXPONENT;
    }
  }
  return { matrix: result, exponent };
}

/**
 * Pelz & Good's approximation of Pr(Dₙ <= x): Li-Chien and Korolyuk's expansion
 * K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}, z = x√n, with each Kᵢ rewritten through Jacobi's
 * theta transformation into sums over odd m = 2k − 1 of q^{m²}, q = exp(−π²/(8z²)), that converge
 * fast for the small z where it is used.
 */
function pelzGoodCdf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const logQ = -(Math.PI * Math.PI) / 8 / z2;
  if (logQ < -708) return 0;
  const pi2 = Math.PI * Math.PI;
  const pi4 = pi2 * pi2;
  const pi6 = pi4 * pi2;
  const terms = Math.ceil((16 * z) / Math.PI);
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  for (let k = terms; k >= 1; k--) {
    const m2 = (2 * k - 1) * (2 * k - 1);
    const qPower = Math.exp(m2 * logQ);
    k0 += qPower;
    k1 += ((pi2 * m2) / 4 - z2) * qPower;
    k2 +=
      (6 * z6 + 2 * z4 + ((2 * z4 - 5 * z2) * pi2 * m2) / 4 + (pi4 * (1 - 2 * z2) * m2 * m2) / 16) * qPower;
    k3 +=
      (-30 * z6 -
        90 * z6 * z2 +
        (pi2 * (135 * z4 - 96 * z6) * m2) / 4 +
        (pi4 * (212 * z4 - 60 * z2) * m2 * m2) / 16 +
        (pi6 * (5 - 30 * z2) * m2 * m2 * m2) / 64) *
      qPower;
  }
  const root2pi = Math.sqrt(2 * Math.PI);
  k0 *= root2pi / z;
  k1 *= root2pi / (6 * z4);
  k2 *= root2pi / (72 * z6 * z);
  k3 *= root2pi / (6480 * z4 * z6);
  // The second family of terms, over all integers k, with q' = exp(−π²k²/(2z²)).
  let extra2 = 0;
  let extra3 = 0;
  for (let k = terms; k >= 1; k--) {
    const k2sq = k * k;
    const qPower = Math.exp((-pi2 * k2sq) / 2 / z2);
    extra2 += k2sq * qPower;
    extra3 += (3 * z2 - pi2 * k2sq) * k2sq * qPower;
  }
  k2 += (extra2 * pi2 * root2pi) / (-36 * z2 * z);
  k3 += (extra3 * pi2 * root2pi) / (216 * z6);
  return k0 + k1 / Math.sqrt(n) + k2 / n + k3 / (n * Math.sqrt(n));
}
