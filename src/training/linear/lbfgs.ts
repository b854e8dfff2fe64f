/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, algorithm 7.4: the two-loop
 * recursion) with a backtracking Armijo line search. Enough for the smooth, strictly convex
 * objectives of L2-regularized linear models; a pair whose curvature s·y is not positive is
 * skipped so the inverse-Hessian estimate stays positive definite.
 */

/** The objective: its value at `x`, with its gradient written into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations?: number;
  /** Stop when the gradient's largest component falls below this. */
  gradientTolerance?: number;
  /** Correction pairs kept. */
  memory?: number;
  onIteration?: (iteration: number) => void;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

export function minimizeLbfgs(
  objective: Objective,
  start: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.gradientTolerance ?? 1e-8;
  const memory = options.memory ?? 10;
  const n = start.length;
  let x = Float64Array.from(start);
  let gradient = new Float64Array(n);
  let value = objective(x, gradient);
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(gradient) < tolerance) return { x, value, iterations: iteration, converged: true };
    // Two-loop recursion: direction = -H·gradient.
    direction.set(gradient);
    for (let k = sHistory.length - 1; k >= 0; k--) {
      alpha[k] = (rhoHistory[k] as number) * dot(sHistory[k] as Float64Array, direction);
      axpy(-(alpha[k] as number), yHistory[k] as Float64Array, direction);
    }
    const last = sHistory.length - 1;
    const gamma =
      last >= 0
        ? dot(sHistory[last]!, yHistory[last]!) / dot(yHistory[last]!, yHistory[last]!)
        : 1 / Math.max(1, norm(gradient));
    for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) * gamma;
    for (let k = 0; k < sHistory.length; k++) {
      const beta = (rhoHistory[k] as number) * dot(yHistory[k] as Float64Array, direction);
      axpy((alpha[k] as number) - beta, sHistory[k] as Float64Array, direction);
    }
    for (let i = 0; i < n; i++) direction[i] = -(direction[i] as number);
    let slope = dot(gradient, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHistory.length = yHistory.length = rhoHistory.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -(gradient[i] as number);
      slope = dot(gradient, direction);
    }

    let step = 1;
    const next = new Float64Array(n);
    const nextGradient = new Float64Array(n);
    let nextValue = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) next[i] = (x[i] as number) + step * (direction[i] as number);
      nextValue = objective(next, nextGradient);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextValue < value) && !(nextValue <= value + 1e-4 * step * slope)) {
      // No step decreases the objective: at the optimum to machine precision.
      return { x, value, iterations: iteration, converged: true };
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (next[i] as number) - (x[i] as number);
      y[i] = (nextGradient[i] as number) - (gradient[i] as number);
    }
    const curvature = dot(s, y);
    if (curvature > 1e-12) {
      if (sHistory.length === memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / curvature);
    }
    const decrease = value - nextValue;
    x = next;
    gradient = nextGradient;
    value = nextValue;
    options.onIteration?.(iteration + 1);
    if (decrease <= 1e-16 * Math.max(1, Math.abs(value))) {
      return { x, value, iterations: iteration + 1, converged: maxAbs(gradient) < tolerance * 1e3 };
    }
  }
  return { x, value, iterations: maxIterations, converged: maxAbs(gradient) < tolerance };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}
