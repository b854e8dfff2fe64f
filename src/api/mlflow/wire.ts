import { Type, type Static } from '@sinclair/typebox';
import type { Experiment, Metric, Run, RunInfo, Tag } from '../../tracking/types.js';
import { fromWireNumber, toWireNumber, WireNumber } from '../wire-number.js';

/**
 * MLflow's JSON wire format (protobuf JSON of the REST API 2.0) and its mapping to tracking's
 * domain types. int64 fields may arrive as strings, as protobuf JSON writes them; the schema
 * validator coerces them.
 */
export const WireTag = Type.Object({ key: Type.String(), value: Type.String() });
export const WireParam = WireTag;
export const WireMetric = Type.Object({
  key: Type.String(),
  value: WireNumber,
  timestamp: Type.Integer(),
  step: Type.Optional(Type.Integer()),
  // MLflow 3: the logged model measured, and the dataset it was measured on
  model_id: Type.Optional(Type.String()),
  dataset_name: Type.Optional(Type.String()),
  dataset_digest: Type.Optional(Type.String()),
});
export type WireMetricValue = Static<typeof WireMetric>;

export const WireDatasetInput = Type.Object({
  tags: Type.Optional(Type.Array(WireTag)),
  dataset: Type.Object({
    name: Type.String(),
    digest: Type.String(),
    source_type: Type.String(),
    source: Type.String(),
    schema: Type.Optional(Type.String()),
    profile: Type.Optional(Type.String()),
  }),
});

export function metricFromWire(m: WireMetricValue): Metric {
  return {
    key: m.key,
    value: fromWireNumber(m.value),
    timestamp: m.timestamp,
    step: m.step ?? 0,
    ...(m.model_id ? { modelId: m.model_id } : {}),
    ...(m.dataset_name ? { datasetName: m.dataset_name, datasetDigest: m.dataset_digest ?? '' } : {}),
  };
}

export function tagsToWire(tags: Tag[]): Array<{ key: string; value: string }> {
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

export function metricToWire(m: Metric) {
  return {
    key: m.key,
    value: toWireNumber(m.value),
    timestamp: m.timestamp,
    step: m.step,
    ...(m.modelId ? { model_id: m.modelId } : {}),
    ...(m.datasetName ? { dataset_name: m.datasetName, dataset_digest: m.datasetDigest ?? '' } : {}),
    ...(m.runId ? { run_id: m.runId } : {}),
  };
}

export function experimentToWire(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagsToWire(e.tags),
  };
}

export function runInfoToWire(info: RunInfo) {
  return {
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    ...(info.endTime === undefined ? {} : { end_time: info.endTime }),
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  };
}

export function runToWire(run: Run) {
  return {
    info: runInfoToWire(run.info),
    data: {
      metrics: run.data.metrics.map(metricToWire),
      params: run.data.params,
      tags: tagsToWire(run.data.tags),
    },
    inputs: {
      dataset_inputs: run.inputs.datasetInputs.map((d) => ({
        tags: tagsToWire(d.tags),
        dataset: {
          name: d.dataset.name,
          digest: d.dataset.digest,
          source_type: d.dataset.sourceType,
          source: d.dataset.source,
          ...(d.dataset.schema === undefined ? {} : { schema: d.dataset.schema }),
          ...(d.dataset.profile === undefined ? {} : { profile: d.dataset.profile }),
        },
      })),
      ...(run.inputs.modelInputs.length > 0
        ? { model_inputs: run.inputs.modelInputs.map((modelId) => ({ model_id: modelId })) }
        : {}),
    },
  };
}

export const viewTypeNames = { 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' } as const;
/** MLflow sends view types as names or as their protobuf enum numbers. */
export const WireViewType = Type.Union([
  Type.Literal('ACTIVE_ONLY'),
  Type.Literal('DELETED_ONLY'),
  Type.Literal('ALL'),
  Type.Literal(1),
  Type.Literal(2),
  Type.Literal(3),
]);
export function viewTypeFromWire(
  v: Static<typeof WireViewType> | undefined,
): 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? viewTypeNames[v] : v;
}
