import { parse as parseYaml } from 'yaml';
import { invalidParameter } from '../../core/errors.js';
import { metricDirections } from '../evaluation/metrics.js';

/**
 * An evaluation gate, written in YAML or JSON:
 * ```yaml
 * label: churned                      # the holdout's label column (else inferred)
 * metrics: {auc: {min: 0.8}, f1: {min: 0.6}}
 * compare_to: {alias: production, max_regression: 0.01}
 * slices: {column: region, metrics: {accuracy: {min: 0.7}}}
 * fairness: {column: gender, metric: recall, max_gap: 0.1}
 * latency: {p99_ms: 10, sample: 500}
 * ```
 * Metric names are the trainers' (`accuracy`, `f1_macro`, `roc_auc`, `log_loss`, `rmse`, `mae`,
 * `r2`), with `auc` and `f1` accepted for the first two.
 */
export interface Bound {
  min?: number | undefined;
  max?: number | undefined;
}

export type FairnessMetric = 'positive_rate' | 'recall';

export interface GateSpec {
  label?: string | undefined;
  metrics: Record<string, Bound>;
  compareTo?: { alias: string; maxRegression: number } | undefined;
  slices?: { column: string; metrics: Record<string, Bound>; minRows: number } | undefined;
  fairness?:
    { column: string; metric: FairnessMetric; maxGap: number; positive?: string | undefined } | undefined;
  latency?: { p99Ms: number; sample: number } | undefined;
}

const metricAliases: Record<string, string> = { auc: 'roc_auc', f1: 'f1_macro' };

/** Parses a gate from YAML/JSON text; errors name the field (`gate.metrics.auc.min`). */
export function parseGateSpec(text: string): GateSpec {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw invalidParameter('gate', `the gate is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  return gateSpecOf(value);
}

/** Checks a gate given as an object (the parsed YAML, or a JSON request body). */
export function gateSpecOf(value: unknown): GateSpec {
  const raw = objectAt(value, 'gate');
  known(raw, 'gate', ['label', 'metrics', 'compare_to', 'slices', 'fairness', 'latency']);
  const spec: GateSpec = { metrics: raw.metrics === undefined ? {} : boundsAt(raw.metrics, 'gate.metrics') };
  if (raw.label !== undefined) spec.label = stringAt(raw.label, 'gate.label');
  if (raw.compare_to !== undefined) {
    const c = objectAt(raw.compare_to, 'gate.compare_to');
    known(c, 'gate.compare_to', ['alias', 'max_regression']);
    spec.compareTo = {
      alias: c.alias === undefined ? 'production' : stringAt(c.alias, 'gate.compare_to.alias'),
      maxRegression:
        c.max_regression === undefined ? 0 : numberAt(c.max_regression, 'gate.compare_to.max_regression', 0),
    };
  }
  if (raw.slices !== undefined) {
    const s = objectAt(raw.slices, 'gate.slices');
    known(s, 'gate.slices', ['column', 'metrics', 'min_rows']);
    spec.slices = {
      column: stringAt(s.column, 'gate.slices.column'),
      metrics: boundsAt(s.metrics, 'gate.slices.metrics'),
      minRows: s.min_rows === undefined ? 1 : numberAt(s.min_rows, 'gate.slices.min_rows', 1),
    };
  }
  if (raw.fairness !== undefined) {
    const f = objectAt(raw.fairness, 'gate.fairness');
    known(f, 'gate.fairness', ['column', 'metric', 'max_gap', 'positive']);
    const metric = f.metric === undefined ? 'positive_rate' : f.metric;
    if (metric !== 'positive_rate' && metric !== 'recall') {
      throw invalidParameter('gate.fairness.metric', 'gate.fairness.metric must be positive_rate or recall');
    }
    spec.fairness = {
      column: stringAt(f.column, 'gate.fairness.column'),
      metric,
      maxGap: numberAt(f.max_gap, 'gate.fairness.max_gap', 0),
      positive: f.positive === undefined ? undefined : String(f.positive),
    };
  }
  if (raw.latency !== undefined) {
    const l = objectAt(raw.latency, 'gate.latency');
    known(l, 'gate.latency', ['p99_ms', 'sample']);
    const sample = l.sample === undefined ? 200 : numberAt(l.sample, 'gate.latency.sample', 1);
    if (!Number.isInteger(sample))
      throw invalidParameter('gate.latency.sample', 'gate.latency.sample must be a whole number');
    spec.latency = { p99Ms: numberAt(l.p99_ms, 'gate.latency.p99_ms', 0), sample };
  }
  const conditions =
    Object.keys(spec.metrics).length +
    (spec.compareTo ? 1 : 0) +
    (spec.slices ? 1 : 0) +
    (spec.fairness ? 1 : 0) +
    (spec.latency ? 1 : 0);
  if (conditions === 0) {
    throw invalidParameter(
      'gate',
      'the gate has no condition: give metrics, compare_to, slices, fairness or latency',
    );
  }
  return spec;
}

/** `auc` → `roc_auc`; fails naming the field for a metric no trainer computes. */
export function canonicalMetric(name: string, field: string): string {
  const canonical = metricAliases[name] ?? name;
  if (!(canonical in metricDirections)) {
    const names = [...Object.keys(metricDirections), ...Object.keys(metricAliases)].join(', ');
    throw invalidParameter(field, `unknown metric "${name}" (known: ${names})`);
  }
  return canonical;
}

function boundsAt(value: unknown, field: string): Record<string, Bound> {
  const raw = objectAt(value, field);
  const bounds: Record<string, Bound> = {};
  for (const [name, b] of Object.entries(raw)) {
    const at = `${field}.${name}`;
    const bound = objectAt(b, at);
    known(bound, at, ['min', 'max']);
    if (bound.min === undefined && bound.max === undefined)
      throw invalidParameter(at, `${at}: give min and/or max`);
    bounds[canonicalMetric(name, at)] = {
      min: bound.min === undefined ? undefined : numberAt(bound.min, `${at}.min`),
      max: bound.max === undefined ? undefined : numberAt(bound.max, `${at}.max`),
    };
  }
  return bounds;
}

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParameter(field, `${field} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function known(value: Record<string, unknown>, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw invalidParameter(
        `${field}.${key}`,
        `${field} has no setting "${key}" (settings: ${keys.join(', ')})`,
      );
    }
  }
}

function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidParameter(field, `${field} must be a name`);
  return value;
}

function numberAt(value: unknown, field: string, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalidParameter(field, `${field} must be a number${min > -Infinity ? ` ≥ ${min}` : ''}`);
  }
  return value;
}
