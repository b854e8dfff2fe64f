import type { Kysely, Transaction } from 'kysely';
import { toMetric } from './run-loader.js';
import type { LoggedModelTables, TrackingTables } from './tables.js';
import type { Metric } from './types.js';

/**
 * MLflow 3's links between runs and logged models: metrics a run logs for a model (on a dataset
 * or none) become the model's metrics, and models a run reads are its model inputs.
 */

/** Records the points among `metrics` that name a logged model as that model's metrics too. */
export async function insertModelMetrics(
  tx: Transaction<TrackingTables>,
  runId: string,
  metrics: readonly Metric[],
): Promise<void> {
  const points = metrics
    .filter((m) => m.modelId)
    .map((m) => ({
      model_id: m.modelId as string,
      run_id: runId,
      key: m.key,
      // NaN is stored as 0 with a flag, as in the run's own metrics.
      value: Number.isNaN(m.value) ? 0 : m.value,
      timestamp: m.timestamp,
      step: m.step,
      is_nan: Number.isNaN(m.value) ? 1 : 0,
      dataset_name: m.datasetName ?? '',
      dataset_digest: m.datasetDigest ?? '',
    }));
  if (points.length === 0) return;
  await tx
    .insertInto('logged_model_metrics')
    .values(points)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Each model's metric points, in the order they were measured. */
export async function loadModelMetrics(
  db: Kysely<LoggedModelTables>,
  modelIds: readonly string[],
): Promise<Map<string, Metric[]>> {
  const byModel = new Map<string, Metric[]>(modelIds.map((id) => [id, []]));
  if (modelIds.length === 0) return byModel;
  const rows = await db
    .selectFrom('logged_model_metrics')
    .selectAll()
    .where('model_id', 'in', [...modelIds])
    .orderBy('timestamp')
    .orderBy('step')
    .orderBy('key')
    .execute();
  for (const r of rows)
    byModel.get(r.model_id)?.push({
      ...toMetric(r),
      modelId: r.model_id,
      runId: r.run_id,
      ...(r.dataset_name ? { datasetName: r.dataset_name, datasetDigest: r.dataset_digest } : {}),
    });
  return byModel;
}

/** Records logged models a run read; reading one twice records it once. */
export async function insertModelInputs(
  tx: Transaction<TrackingTables>,
  runId: string,
  modelIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(modelIds)];
  if (unique.length === 0) return;
  await tx
    .insertInto('run_model_inputs')
    .values(unique.map((modelId) => ({ run_id: runId, model_id: modelId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}
