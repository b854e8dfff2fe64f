import type { Clock } from '../../core/clock.js';
import { invalidParameter } from '../../core/errors.js';
import {
  classificationMetrics,
  type ClassificationMetrics,
  type ClassifiedPair,
} from './classification-metrics.js';
import type {
  LabelledPrediction,
  LabelledPredictionReader,
  PredictionFilter,
} from './labelled-predictions.js';
import { regressionMetrics, type RegressionMetrics } from './regression-metrics.js';

export interface PerformanceQuery {
  model: string;
  /** Inclusive start, ms; 24 hours before `to` when omitted. */
  from?: number | undefined;
  /** Exclusive end, ms; now when omitted. */
  to?: number | undefined;
  /** Window length, ms: windows start at multiples of it since the epoch. One window when omitted. */
  windowMs?: number | undefined;
  version?: number | undefined;
  deployment?: string | undefined;
  /** Split each window and version by deployment arm (primary, candidate…). */
  byArm?: boolean | undefined;
  /** One group per window for all versions together, instead of one per version. */
  poolVersions?: boolean | undefined;
}

/** The performance of one version (and arm) over one window. */
export interface PerformanceGroup {
  /** Clipped to the report's range. */
  windowStart: number;
  windowEnd: number;
  /** Absent when versions are pooled. */
  version?: number;
  /** Present when the report splits by arm. */
  arm?: string;
  predictions: number;
  labelled: number;
  /** labelled / predictions: the share of predictions that got ground truth. */
  coverage: number;
  classification?: ClassificationMetrics;
  regression?: RegressionMetrics;
}

export interface PerformanceReport {
  model: string;
  /** Known from the labelled predictions; undefined when none are labelled. */
  task: 'classification' | 'regression' | undefined;
  from: number;
  to: number;
  windowMs: number;
  /** Per window, then version (then arm), in time order. */
  windows: PerformanceGroup[];
  /** Per version (then arm) over the whole range. */
  overall: PerformanceGroup[];
}

const day = 86_400_000;
/** More windows than this is a mistake (a 1-minute window over a year), not a report. */
export const maxWindows = 10_000;

interface Group {
  key: string;
  windowStart: number;
  version: number | undefined;
  arm: string | undefined;
  predictions: number;
  labelled: LabelledPrediction[];
}

/**
 * Performance from delayed labels: accuracy, F1, AUC (classifiers) or RMSE, MAE, R² (regressors)
 * per window and model version, with label coverage, computed from the predictions that have
 * labels. Unlabelled predictions count only in coverage.
 */
export class PerformanceService {
  constructor(
    private readonly reader: LabelledPredictionReader,
    private readonly clock: Clock,
  ) {}

  async report(query: PerformanceQuery): Promise<PerformanceReport> {
    const to = query.to ?? this.clock.now();
    const from = query.from ?? to - day;
    if (!(from < to)) throw invalidParameter('from', `from (${from}) must be before to (${to})`);
    const windowMs = query.windowMs ?? to - from;
    if (!Number.isInteger(windowMs) || windowMs <= 0) {
      throw invalidParameter('window', 'window must be a positive whole number of milliseconds');
    }
    if ((to - from) / windowMs > maxWindows) {
      throw invalidParameter(
        'window',
        `the range holds more than ${maxWindows} windows of ${windowMs} ms: choose a longer window or a shorter range`,
      );
    }
    // Without a window the one window is the range itself, not an epoch-aligned slice of it.
    const align =
      query.windowMs === undefined ? () => from : (t: number) => Math.floor(t / windowMs) * windowMs;
    const filter: PredictionFilter = {
      model: query.model,
      from,
      to,
      version: query.version,
      deployment: query.deployment,
    };
    const byArm = query.byArm === true;
    const pool = query.poolVersions === true;
    const windows = new Map<string, Group>();
    const overall = new Map<string, Group>();
    const groupOf = (map: Map<string, Group>, start: number, v: number, arm: string): Group => {
      const version = pool ? undefined : v;
      const key = `${start}|${version ?? ''}|${byArm ? arm : ''}`;
      let group = map.get(key);
      if (!group) {
        group = {
          key,
          windowStart: start,
          version,
          arm: byArm ? arm : undefined,
          predictions: 0,
          labelled: [],
        };
        map.set(key, group);
      }
      return group;
    };
    const counts = await this.reader.countPredictions(filter, query.windowMs === undefined ? 0 : windowMs);
    for (const c of counts) {
      const start = query.windowMs === undefined ? from : c.windowStart;
      groupOf(windows, start, c.version, c.arm).predictions += c.count;
      groupOf(overall, from, c.version, c.arm).predictions += c.count;
    }
    let task: PerformanceReport['task'];
    for await (const page of this.reader.labelledPredictions(filter)) {
      for (const p of page) {
        task ??=
          p.outputs.value !== undefined && p.outputs.label === undefined ? 'regression' : 'classification';
        groupOf(windows, align(p.time), p.version, p.arm).labelled.push(p);
        groupOf(overall, from, p.version, p.arm).labelled.push(p);
      }
    }
    const finish = (map: Map<string, Group>, start: (g: Group) => number, end: (g: Group) => number) =>
      [...map.values()]
        .sort(
          (a, b) =>
            a.windowStart - b.windowStart ||
            (a.version ?? 0) - (b.version ?? 0) ||
            (a.arm ?? '').localeCompare(b.arm ?? ''),
        )
        .map((g) => summarize(g, start(g), end(g), task));
    return {
      model: query.model,
      task,
      from,
      to,
      windowMs,
      windows: finish(
        windows,
        (g) => Math.max(g.windowStart, from),
        (g) => Math.min(g.windowStart + windowMs, to),
      ),
      overall: finish(
        overall,
        () => from,
        () => to,
      ),
    };
  }

  /**
   * One metric (`accuracy`, `f1`, `auc`, `log_loss`, `rmse`, `mae`, `r2`, `coverage`) over the
   * labelled predictions in [from, to), all versions together unless `version` is given (the
   * shape alert rules read). Undefined when no prediction in the range has a label yet.
   */
  async metric(input: {
    model: string;
    version?: number | undefined;
    deployment?: string | undefined;
    metric: string;
    from: number;
    to: number;
  }): Promise<number | undefined> {
    metricOf({ windowStart: 0, windowEnd: 0, predictions: 0, labelled: 0, coverage: 0 }, input.metric);
    const report = await this.report({ ...input, poolVersions: true });
    const group = report.overall[0];
    return group && group.labelled > 0 ? metricOf(group, input.metric) : undefined;
  }
}

/** Metric names `metric()` reads, as alert rules name them. */
export const performanceMetricNames = [
  'accuracy',
  'f1',
  'auc',
  'log_loss',
  'rmse',
  'mae',
  'r2',
  'coverage',
] as const;

function metricOf(group: PerformanceGroup, metric: string): number | undefined {
  const c = group.classification;
  const r = group.regression;
  switch (metric) {
    case 'accuracy':
      return c?.accuracy;
    case 'f1':
      return c?.macroF1;
    case 'auc':
      return c?.rocAuc;
    case 'log_loss':
      return c?.logLoss;
    case 'rmse':
      return r?.rmse;
    case 'mae':
      return r?.mae;
    case 'r2':
      return r?.r2;
    case 'coverage':
      return group.coverage;
    default:
      throw invalidParameter(
        'metric',
        `unknown performance metric "${metric}": use one of ${performanceMetricNames.join(', ')}`,
      );
  }
}

function summarize(
  group: Group,
  windowStart: number,
  windowEnd: number,
  task: PerformanceReport['task'],
): PerformanceGroup {
  // A label may belong to a prediction logged after the counts were read: never more than 100%.
  const predictions = Math.max(group.predictions, group.labelled.length);
  const result: PerformanceGroup = {
    windowStart,
    windowEnd,
    ...(group.version !== undefined ? { version: group.version } : {}),
    ...(group.arm !== undefined ? { arm: group.arm } : {}),
    predictions,
    labelled: group.labelled.length,
    coverage: predictions === 0 ? 0 : group.labelled.length / predictions,
  };
  if (task === 'regression') {
    const pairs = group.labelled.filter((p) => typeof p.label === 'number' && p.outputs.value !== undefined);
    const metrics = regressionMetrics(
      pairs.map((p) => p.label as number),
      pairs.map((p) => p.outputs.value!),
    );
    if (metrics) result.regression = metrics;
  } else if (task === 'classification') {
    const pairs: ClassifiedPair[] = group.labelled.map((p) => ({
      actual: String(p.label),
      predicted: String(p.outputs.label),
      probabilities: p.outputs.probabilities,
    }));
    const classes = Object.keys(
      group.labelled.find((p) => p.outputs.probabilities)?.outputs.probabilities ?? {},
    );
    const metrics = classificationMetrics(pairs, classes);
    if (metrics) result.classification = metrics;
  }
  return result;
}
