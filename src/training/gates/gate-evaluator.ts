import { performance } from 'node:perf_hooks';
import { invalidParameter } from '../../core/errors.js';
import type { FeatureSpec, ModelTask } from '../../registry/model-metadata.js';
import type { GateCheck, GateReport } from '../../registry/gates/types.js';
import type { TableColumn, TrainingTable } from '../data/training-table.js';
import { columnOf } from '../data/training-table.js';
import {
  boundChecks,
  comparisonChecks,
  fairnessCheck,
  latencyCheck,
  metricsOf,
  sliceChecks,
  type ScoredHoldout,
} from './gate-checks.js';
import type { GateSpec } from './gate-spec.js';

/**
 * A model version loaded for scoring. Training sits upstream of serving, so it does not load
 * ONNX sessions itself: the platform hands in serving's runtime behind this port (the same
 * onnxruntime code that serves requests, so the gate measures what production will run).
 */
export interface ScorableModel {
  task: ModelTask;
  inputs: readonly FeatureSpec[];
  classLabels: ReadonlyArray<string | number> | undefined;
  predict(
    records: readonly Record<string, unknown>[],
  ): Promise<Array<{ label?: string | number; value?: number; probabilities?: Record<string, number> }>>;
}

export interface GateEvaluation {
  spec: GateSpec;
  holdout: TrainingTable;
  /** How the report names the holdout: a file name or `DATASET/VERSION`. */
  holdoutName: string;
  candidate: ScorableModel;
  /** The version `compare_to` names, when the alias exists. */
  baseline?: { alias: string; version: number; model: ScorableModel } | undefined;
}

/** Scores the candidate (and the baseline) on the holdout and checks every condition of the gate. */
export async function evaluateGate(input: GateEvaluation): Promise<GateReport> {
  const { spec, holdout, candidate } = input;
  const label = labelColumn(holdout, candidate, spec);
  const records = recordsOf(holdout, candidate.inputs);
  const scored = await score(candidate, records, label);
  const metrics = metricsOf(scored);
  const checks: GateCheck[] = boundChecks('metric:', metrics, spec.metrics);
  let baseline: GateReport['baseline'];
  if (spec.compareTo) {
    const names =
      Object.keys(spec.metrics).length > 0
        ? Object.keys(spec.metrics)
        : [scored.task === 'regression' ? 'rmse' : 'roc_auc'];
    if (input.baseline) {
      baseline = { alias: input.baseline.alias, version: input.baseline.version };
      const base = metricsOf(
        await score(input.baseline.model, recordsOf(holdout, input.baseline.model.inputs), label),
      );
      checks.push(
        ...comparisonChecks(
          metrics,
          base,
          names,
          spec.compareTo.maxRegression,
          `${spec.compareTo.alias} (version ${input.baseline.version})`,
        ),
      );
    } else {
      checks.push({
        name: 'compare',
        passed: true,
        observed: undefined,
        threshold: spec.compareTo.maxRegression,
        reason: `no ${spec.compareTo.alias} version yet: nothing to compare with`,
      });
    }
  }
  if (spec.slices)
    checks.push(
      ...sliceChecks(scored, textColumn(holdout, spec.slices.column, 'gate.slices.column'), spec.slices),
    );
  if (spec.fairness)
    checks.push(
      fairnessCheck(scored, textColumn(holdout, spec.fairness.column, 'gate.fairness.column'), spec.fairness),
    );
  if (spec.latency)
    checks.push(
      latencyCheck(await timeSingleRecords(candidate, records, spec.latency.sample), spec.latency.p99Ms),
    );
  return {
    passed: checks.every((c) => c.passed),
    checks,
    holdout: input.holdoutName,
    rows: holdout.rows,
    ...(baseline ? { baseline } : {}),
  };
}

/** The gate's label, or the one holdout column that is neither a model input nor a slice/group column. */
function labelColumn(holdout: TrainingTable, model: ScorableModel, spec: GateSpec): TableColumn {
  if (spec.label) return columnOf(holdout, spec.label, 'gate.label');
  const used = new Set([...model.inputs.map((f) => f.name), spec.slices?.column, spec.fairness?.column]);
  const rest = holdout.columns.filter((c) => !used.has(c.name));
  if (rest.length !== 1) {
    throw invalidParameter(
      'label',
      `cannot tell the label column among ${rest.map((c) => c.name).join(', ') || 'no columns'}: give --label COLUMN or label: in the gate`,
    );
  }
  return rest[0] as TableColumn;
}

function recordsOf(holdout: TrainingTable, inputs: readonly FeatureSpec[]): Record<string, unknown>[] {
  const columns = inputs.map((f) => ({ spec: f, column: columnOf(holdout, f.name, 'holdout') }));
  return Array.from({ length: holdout.rows }, (_, i) => {
    const record: Record<string, unknown> = {};
    for (const { spec, column } of columns) {
      const raw = column.values[i];
      if (raw === null || (typeof raw === 'number' && Number.isNaN(raw))) record[spec.name] = null;
      else if (spec.type === 'string') record[spec.name] = String(raw);
      else if (spec.type === 'bool') record[spec.name] = raw === 1 || raw === 'true';
      else record[spec.name] = Number(raw);
    }
    return record;
  });
}

async function score(
  model: ScorableModel,
  records: Record<string, unknown>[],
  label: TableColumn,
): Promise<ScoredHoldout> {
  const predictions = await model.predict(records);
  if (model.task === 'regression') {
    if (label.kind !== 'numeric')
      throw invalidParameter('label', `the label column "${label.name}" must hold numbers for a regressor`);
    return {
      task: 'regression',
      actual: label.values,
      predicted: Float64Array.from(predictions, (p) => Number(p.value)),
    };
  }
  const classes = (model.classLabels ?? Object.keys(predictions[0]?.probabilities ?? {})).map(String);
  const index = new Map(classes.map((c, i) => [c, i]));
  const k = classes.length;
  const actual = new Int32Array(records.length);
  const probabilities = new Float64Array(records.length * k);
  for (let i = 0; i < records.length; i++) {
    const truth = label.values[i];
    const at =
      truth === null || (typeof truth === 'number' && Number.isNaN(truth))
        ? undefined
        : index.get(String(truth));
    if (at === undefined) {
      throw invalidParameter(
        'holdout',
        `row ${i + 1}: label ${String(truth)} is not one of the model's classes (${classes.join(', ')})`,
      );
    }
    actual[i] = at;
    const p = predictions[i];
    for (let c = 0; c < k; c++) {
      probabilities[i * k + c] = p?.probabilities
        ? (p.probabilities[classes[c] as string] ?? 0)
        : String(p?.label) === classes[c]
          ? 1
          : 0;
    }
  }
  return { task: 'classification', classes, actual, probabilities };
}

function textColumn(holdout: TrainingTable, name: string, field: string): Array<string | null> {
  const column = columnOf(holdout, name, field);
  return column.kind === 'categorical'
    ? column.values
    : Array.from(column.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** Each of the first `sample` records scored alone, as one request would be, after one warm-up. */
async function timeSingleRecords(
  model: ScorableModel,
  records: Record<string, unknown>[],
  sample: number,
): Promise<number[]> {
  const n = Math.min(sample, records.length);
  if (n === 0) return [];
  await model.predict([records[0] as Record<string, unknown>]);
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await model.predict([records[i] as Record<string, unknown>]);
    latencies.push(performance.now() - start);
  }
  return latencies;
}
