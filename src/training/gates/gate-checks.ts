import type { GateCheck } from '../../registry/gates/types.js';
import {
  classificationMetrics,
  metricDirections,
  regressionMetrics,
  type Metrics,
} from '../evaluation/metrics.js';
import type { Bound, GateSpec } from './gate-spec.js';

/**
 * A model's answers on a holdout, by row: class indices and probabilities `[n × classes]` for a
 * classifier, values for a regressor, beside the truth.
 */
export type ScoredHoldout =
  | {
      task: 'classification';
      classes: string[];
      actual: Int32Array;
      probabilities: Float64Array;
    }
  | { task: 'regression'; actual: Float64Array; predicted: Float64Array };

/** The metrics of the rows `rows` (all when undefined), by the trainers' formulas. */
export function metricsOf(scored: ScoredHoldout, rows?: readonly number[]): Metrics {
  const pick = rows ?? Array.from({ length: scored.actual.length }, (_, i) => i);
  if (scored.task === 'regression') {
    return regressionMetrics(
      Float64Array.from(pick, (i) => scored.actual[i] as number),
      Float64Array.from(pick, (i) => scored.predicted[i] as number),
    );
  }
  const k = scored.classes.length;
  const probabilities = new Float64Array(pick.length * k);
  pick.forEach((row, i) => probabilities.set(scored.probabilities.subarray(row * k, row * k + k), i * k));
  return classificationMetrics(
    Int32Array.from(pick, (i) => scored.actual[i] as number),
    probabilities,
    k,
  );
}

/** One check per bounded metric; a metric the holdout cannot give (AUC of one class) fails. */
export function boundChecks(prefix: string, metrics: Metrics, bounds: Record<string, Bound>): GateCheck[] {
  return Object.entries(bounds).flatMap(([name, bound]) => {
    const observed = metrics[name];
    const checks: GateCheck[] = [];
    for (const [side, threshold] of [
      ['min', bound.min],
      ['max', bound.max],
    ] as const) {
      if (threshold === undefined) continue;
      const passed =
        observed !== undefined && (side === 'min' ? observed >= threshold : observed <= threshold);
      const reason =
        observed === undefined
          ? `${name} cannot be computed on these rows`
          : `${name} ${fmt(observed)} ${passed ? 'meets' : 'misses'} the ${side} ${fmt(threshold)}`;
      checks.push({ name: `${prefix}${name}`, passed, observed, threshold, reason });
    }
    return checks;
  });
}

/** The candidate may trail the baseline by at most `maxRegression`, in each metric's direction. */
export function comparisonChecks(
  candidate: Metrics,
  baseline: Metrics,
  names: readonly string[],
  maxRegression: number,
  baselineName: string,
): GateCheck[] {
  return names.map((name) => {
    const c = candidate[name];
    const b = baseline[name];
    const better = metricDirections[name] ?? 'max';
    const threshold = b === undefined ? Number.NaN : better === 'max' ? b - maxRegression : b + maxRegression;
    const passed = c !== undefined && b !== undefined && (better === 'max' ? c >= threshold : c <= threshold);
    const reason =
      c === undefined || b === undefined
        ? `${name} cannot be computed for both versions`
        : `${name} ${fmt(c)} vs ${fmt(b)} for ${baselineName} (${better === 'max' ? 'at least' : 'at most'} ${fmt(threshold)} allowed)`;
    return { name: `compare:${name}`, passed, observed: c, threshold, reason };
  });
}

/** Per-slice metric checks, one slice per distinct value of the column. */
export function sliceChecks(
  scored: ScoredHoldout,
  column: ReadonlyArray<string | null>,
  spec: NonNullable<GateSpec['slices']>,
): GateCheck[] {
  return [...groupRows(column)].flatMap(([value, rows]) => {
    const prefix = `slice:${spec.column}=${value}:`;
    if (rows.length < spec.minRows) {
      return [
        {
          name: `${prefix}rows`,
          passed: true,
          observed: rows.length,
          threshold: spec.minRows,
          reason: `only ${rows.length} rows: slice not judged`,
        },
      ];
    }
    return boundChecks(prefix, metricsOf(scored, rows), spec.metrics);
  });
}

/**
 * The largest gap between groups of a column in the rate the positive class is predicted, or in
 * its recall: the demographic-parity and equal-opportunity differences.
 */
export function fairnessCheck(
  scored: ScoredHoldout,
  column: ReadonlyArray<string | null>,
  spec: NonNullable<GateSpec['fairness']>,
): GateCheck {
  const name = `fairness:${spec.column}:${spec.metric}`;
  if (scored.task !== 'classification') {
    return {
      name,
      passed: false,
      observed: undefined,
      threshold: spec.maxGap,
      reason: 'fairness needs a classifier',
    };
  }
  const k = scored.classes.length;
  const positive = spec.positive === undefined ? k - 1 : scored.classes.indexOf(spec.positive);
  if (positive < 0) {
    return {
      name,
      passed: false,
      observed: undefined,
      threshold: spec.maxGap,
      reason: `the model has no class "${spec.positive}"`,
    };
  }
  const predicted = (row: number): number => {
    let best = 0;
    for (let c = 1; c < k; c++)
      if ((scored.probabilities[row * k + c] as number) > (scored.probabilities[row * k + best] as number))
        best = c;
    return best;
  };
  const rates: Array<[string, number]> = [];
  for (const [value, rows] of groupRows(column)) {
    const judged = spec.metric === 'recall' ? rows.filter((r) => scored.actual[r] === positive) : rows;
    if (judged.length === 0) continue;
    rates.push([value, judged.filter((r) => predicted(r) === positive).length / judged.length]);
  }
  if (rates.length < 2) {
    return {
      name,
      passed: true,
      observed: 0,
      threshold: spec.maxGap,
      reason: `fewer than two groups of ${spec.column} to compare`,
    };
  }
  rates.sort((a, b) => a[1] - b[1]);
  const [low, high] = [rates[0] as [string, number], rates[rates.length - 1] as [string, number]];
  const gap = high[1] - low[1];
  const passed = gap <= spec.maxGap;
  return {
    name,
    passed,
    observed: gap,
    threshold: spec.maxGap,
    reason: `${spec.metric} ${fmt(high[1])} for ${spec.column}=${high[0]} vs ${fmt(low[1])} for ${spec.column}=${low[0]}: gap ${fmt(gap)} ${passed ? 'within' : 'over'} ${fmt(spec.maxGap)}`,
  };
}

/** The 99th percentile (nearest rank) of per-record latencies against the budget. */
export function latencyCheck(latenciesMs: readonly number[], budgetMs: number): GateCheck {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
  const passed = p99 <= budgetMs;
  return {
    name: 'latency:p99_ms',
    passed,
    observed: p99,
    threshold: budgetMs,
    reason: `p99 ${fmt(p99)} ms over ${sorted.length} single-record calls ${passed ? 'within' : 'over'} ${fmt(budgetMs)} ms`,
  };
}

function groupRows(column: ReadonlyArray<string | null>): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  column.forEach((value, row) => {
    const key = value ?? '(missing)';
    const rows = groups.get(key) ?? [];
    rows.push(row);
    groups.set(key, rows);
  });
  return new Map([...groups].sort((a, b) => a[0].localeCompare(b[0])));
}

function fmt(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(4))) : String(value);
}
