import { invalidParameter } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import { storePathOf } from '../../tracking/artifacts.js';
import { sampledSteps } from '../../tracking/metric-sampling.js';
import type { Metric } from '../../tracking/types.js';
import { safeArtifactPath } from './ui-routes.js';
import { metricToWire, runToWire } from './wire.js';

/**
 * MLflow's read calls on runs whose answer takes more than one service call, in MLflow's wire
 * format: the REST routes and the GraphQL fields both answer with these, so the two agree.
 */
type Tracking = Platform['tracking'];

// MLflow's own bounds for these calls, so a page that works against MLflow works here.
export const MAX_BULK_RUNS = 100;
export const MAX_BULK_HISTORY = 25_000;
const MAX_SAMPLED_STEPS = 2500;
const MAX_DATASET_EXPERIMENTS = 20;

/** `runs/get`: the run, with the logged models it output (MLflow 3 clients pick among them by step). */
export async function runWithOutputs(tracking: Tracking, runId: string) {
  const run = await tracking.runs.get(runId);
  const outputs = (await tracking.loggedModels.outputsOf([run.info.runId])).get(run.info.runId);
  return {
    ...runToWire(run),
    ...(outputs
      ? { outputs: { model_outputs: outputs.map((o) => ({ model_id: o.modelId, step: o.step })) } }
      : {}),
  };
}

/** `artifacts/list`: the files directly under `path` of a run's artifacts. */
export async function runArtifactListing(tracking: Tracking, runId: string, path: string) {
  const run = await tracking.runs.get(runId);
  storePathOf(run.info.artifactUri);
  const files = await tracking.artifacts.listForRun(runId, safeArtifactPath(path));
  return {
    root_uri: run.info.artifactUri,
    files: files.map((f) => ({
      path: f.path,
      is_dir: f.isDir,
      ...(f.size === undefined ? {} : { file_size: f.size }),
    })),
  };
}

export interface BulkIntervalQuery {
  runIds: string[];
  metricKey: string | undefined;
  startStep: number | undefined;
  endStep: number | undefined;
  maxResults: number | undefined;
}

/**
 * `metrics/get-history-bulk-interval`: one metric of several runs at up to `maxResults` steps
 * sampled over the runs' common range (or the given one), as MLflow's charts ask for it.
 */
export async function metricHistoryBulkInterval(runs: Tracking['runs'], q: BulkIntervalQuery) {
  const { runIds, metricKey: key, startStep: start, endStep: end } = q;
  if (runIds.length === 0)
    throw invalidParameter('run_ids', "Missing value for required parameter 'run_ids'.");
  if (runIds.length > MAX_BULK_RUNS)
    throw invalidParameter(
      'run_ids',
      `GetMetricHistoryBulkInterval request must specify at most ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
    );
  if (!key) throw invalidParameter('metric_key', "Missing value for required parameter 'metric_key'.");
  const maxResults = q.maxResults ?? MAX_SAMPLED_STEPS;
  if (maxResults < 1 || maxResults > MAX_SAMPLED_STEPS)
    throw invalidParameter('max_results', `max_results must be between 1 and ${MAX_SAMPLED_STEPS}.`);
  if ((start === undefined) !== (end === undefined))
    throw invalidParameter(
      'start_step',
      'If either start step or end step are specified, both must be specified.',
    );
  if (start !== undefined && end !== undefined && start > end)
    throw invalidParameter(
      'end_step',
      `end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`,
    );
  const histories = await Promise.all(runIds.map((id) => wholeHistory(runs, id, key, MAX_BULK_HISTORY)));
  const stepsPerRun = histories.map((h) => h.map((m) => m.step));
  const allSteps = stepsPerRun.flat();
  const steps = sampledSteps(
    stepsPerRun,
    start ?? Math.min(...allSteps),
    end ?? Math.max(...allSteps),
    maxResults,
  );
  return {
    metrics: histories.flatMap((history, i) =>
      history
        .filter((m) => steps.has(m.step))
        .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)
        .map((m) => ({ ...metricToWire(m), run_id: runIds[i] as string })),
    ),
  };
}

/** `experiments/search-datasets`: each distinct dataset (and context) the experiments' runs read. */
export async function datasetSummaries(runs: Tracking['runs'], experimentIds: string[]) {
  if (experimentIds.length === 0)
    throw invalidParameter(
      'experiment_ids',
      'SearchDatasets request must specify at least one experiment_id.',
    );
  if (experimentIds.length > MAX_DATASET_EXPERIMENTS)
    throw invalidParameter(
      'experiment_ids',
      `SearchDatasets request cannot specify more than ${MAX_DATASET_EXPERIMENTS} experiment_ids. Received ${experimentIds.length} experiment_ids.`,
    );
  const summaries = new Map<
    string,
    { experiment_id: string; name: string; digest: string; context?: string }
  >();
  let pageToken: string | undefined;
  do {
    const page = await runs.search({ experimentIds, maxResults: 1000, pageToken });
    for (const run of page.items)
      for (const input of run.inputs.datasetInputs) {
        const context = input.tags.find((t) => t.key === 'mlflow.data.context')?.value;
        const summary = {
          experiment_id: run.info.experimentId,
          name: input.dataset.name,
          digest: input.dataset.digest,
          ...(context ? { context } : {}),
        };
        summaries.set(JSON.stringify(summary), summary);
      }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { dataset_summaries: [...summaries.values()] };
}

/** Up to `max` points of one metric of a run, across the service's pages. */
export async function wholeHistory(
  runs: Tracking['runs'],
  runId: string,
  key: string,
  max: number,
): Promise<Metric[]> {
  const points: Metric[] = [];
  let pageToken: string | undefined;
  do {
    const page = await runs.metricHistory(runId, key, { maxResults: max - points.length, pageToken });
    points.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && points.length < max);
  return points;
}
