/**
 * The losses the GBDT minimises, with scikit-learn's conventions (`sklearn._loss`): half
 * binomial log-loss with a logit link, half multinomial with softmax (one raw score and one tree
 * per class), half squared error. Raw scores are kept per class as `raw[k][i]`.
 */
export type GbdtObjective = 'binary' | 'multiclass' | 'regression';

export interface Loss {
  objective: GbdtObjective;
  /** Raw scores (and trees per iteration): 1, or the number of classes for multiclass. */
  scores: number;
  /** The constant raw score that minimises the loss on `y` (before any tree). */
  baseline(y: Float64Array): Float64Array;
  /** Writes per-class gradients and hessians of the loss at `raw`. */
  gradients(
    raw: readonly Float64Array[],
    y: Float64Array,
    g: readonly Float64Array[],
    h: readonly Float64Array[],
  ): void;
  /** Mean loss at `raw` (the early-stopping score, lower is better). */
  meanLoss(raw: readonly Float64Array[], y: Float64Array): number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** log(1 + e^x) without overflow. */
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** Probabilities are clipped away from 0 and 1 for the baseline's logit, as scikit-learn does. */
const EPS = 2.220446049250313e-16;

export const binaryLogLoss: Loss = {
  objective: 'binary',
  scores: 1,
  baseline(y) {
    let positives = 0;
    for (let i = 0; i < y.length; i++) positives += y[i] as number;
    const p = Math.min(Math.max(positives / y.length, EPS), 1 - EPS);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(raw, y, g, h) {
    const r = raw[0] as Float64Array;
    const g0 = g[0] as Float64Array;
    const h0 = h[0] as Float64Array;
    for (let i = 0; i < y.length; i++) {
      const p = sigmoid(r[i] as number);
      g0[i] = p - (y[i] as number);
      h0[i] = p * (1 - p);
    }
  },
  meanLoss(raw, y) {
    const r = raw[0] as Float64Array;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += softplus(r[i] as number) - (y[i] as number) * (r[i] as number);
    return sum / y.length;
  },
};

export const squaredError: Loss = {
  objective: 'regression',
  scores: 1,
  baseline(y) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i] as number;
    return Float64Array.of(sum / y.length);
  },
  gradients(raw, y, g, h) {
    const r = raw[0] as Float64Array;
    const g0 = g[0] as Float64Array;
    (h[0] as Float64Array).fill(1);
    for (let i = 0; i < y.length; i++) g0[i] = (r[i] as number) - (y[i] as number);
  },
  meanLoss(raw, y) {
    const r = raw[0] as Float64Array;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += 0.5 * ((r[i] as number) - (y[i] as number)) ** 2;
    return sum / y.length;
  },
};

/** Softmax cross-entropy over `classes` raw scores; `y` holds class indices `0..classes-1`. */
export function multinomialLogLoss(classes: number): Loss {
  const probabilities = (raw: readonly Float64Array[], i: number, out: Float64Array): void => {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, (raw[k] as Float64Array)[i] as number);
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const e = Math.exp(((raw[k] as Float64Array)[i] as number) - max);
      out[k] = e;
      sum += e;
    }
    for (let k = 0; k < classes; k++) out[k] = (out[k] as number) / sum;
  };
  return {
    objective: 'multiclass',
    scores: classes,
    baseline(y) {
      const counts = new Float64Array(classes);
      for (let i = 0; i < y.length; i++) counts[y[i] as number] = (counts[y[i] as number] as number) + 1;
      // Log class priors, centred: softmax ignores a shift, and centring is scikit-learn's choice.
      const logs = counts.map((c) => Math.log(Math.min(Math.max(c / y.length, EPS), 1 - EPS)));
      const mean = logs.reduce((a, b) => a + b, 0) / classes;
      return logs.map((l) => l - mean);
    },
    gradients(raw, y, g, h) {
      const p = new Float64Array(classes);
      for (let i = 0; i < y.length; i++) {
        probabilities(raw, i, p);
        for (let k = 0; k < classes; k++) {
          const pk = p[k] as number;
          (g[k] as Float64Array)[i] = pk - (y[i] === k ? 1 : 0);
          (h[k] as Float64Array)[i] = pk * (1 - pk);
        }
      }
    },
    meanLoss(raw, y) {
      const p = new Float64Array(classes);
      let sum = 0;
      for (let i = 0; i < y.length; i++) {
        probabilities(raw, i, p);
        sum -= Math.log(Math.max(p[y[i] as number] as number, 1e-300));
      }
      return sum / y.length;
    },
  };
}

export function lossFor(objective: GbdtObjective, classes: number): Loss {
  if (objective === 'binary') return binaryLogLoss;
  if (objective === 'regression') return squaredError;
  return multinomialLogLoss(classes);
}
