import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { invalidParameter, MloopError } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import { checkVersion } from '../../registry/validation.js';
import { storePathOf } from '../../tracking/artifacts.js';
import { sampledSteps } from '../../tracking/metric-sampling.js';
import type { Metric } from '../../tracking/types.js';
import { normalizeArtifactPath, joinArtifactPath } from '../../store/artifacts/artifact-path.js';
import { ANY_TYPE } from '../body-types.js';
import type { App } from '../server.js';
import { sendArtifactFile } from './artifact-download.js';
import { registerMlflowServerInfoRoute } from './server-info-route.js';
import { metricToWire } from './wire.js';

const prefix = '/api/2.0/mlflow';
const tags = ['mlflow-ui'];
// MLflow's own bounds for these UI calls, so a page that works against MLflow works here.
const MAX_BULK_RUNS = 100;
const MAX_BULK_HISTORY = 25_000;
const MAX_SAMPLED_STEPS = 2500;
const MAX_DATASET_EXPERIMENTS = 20;
const MAX_UI_UPLOAD_BYTES = 10 * 1024 * 1024;

/** MLflow answers any path that could leave an artifact root with this one message. */
export function safeArtifactPath(path: string): string {
  try {
    return normalizeArtifactPath(path);
  } catch {
    throw new MloopError('INVALID_PARAMETER_VALUE', 'Invalid path');
  }
}

/**
 * The calls MLflow's web UI makes besides the REST API (MLflow serves them under `/ajax-api/`
 * or at the root): file downloads for runs, model versions and logged models, bulk metric
 * histories, the datasets of experiments, and small uploads from the browser.
 */
export function registerMlflowUiRoutes(app: App, platform: Platform): void {
  const { runs, artifacts, loggedModels } = platform.tracking;
  const { versions } = platform.registry;
  // MLflow's UI and clients read the server's capabilities before anything else.
  registerMlflowServerInfoRoute(app);

  app.get(
    '/get-artifact',
    {
      schema: {
        tags,
        querystring: Type.Object({
          run_id: Type.Optional(Type.String()),
          run_uuid: Type.Optional(Type.String()),
          path: Type.String(),
        }),
      },
    },
    async (req, reply) => {
      const path = safeArtifactPath(req.query.path);
      const runId = req.query.run_id || req.query.run_uuid;
      if (!runId) throw invalidParameter('run_id', "Missing value for required parameter 'run_id'.");
      return sendArtifactFile(reply, path, await artifacts.getForRun(runId, path));
    },
  );

  app.get(
    '/model-versions/get-artifact',
    {
      schema: {
        tags,
        querystring: Type.Object({ name: Type.String(), version: Type.String(), path: Type.String() }),
      },
    },
    async (req, reply) => {
      const path = safeArtifactPath(req.query.path);
      const version = await versions.get(req.query.name, checkVersion(req.query.version));
      return sendArtifactFile(reply, path, await artifacts.get(joinArtifactPath(version.storagePath, path)));
    },
  );

  app.get(
    `${prefix}/logged-models/:model_id/artifacts/files`,
    {
      schema: {
        tags,
        params: Type.Object({ model_id: Type.String() }),
        querystring: Type.Object({ artifact_file_path: Type.Optional(Type.String()) }),
      },
    },
    async (req, reply) => {
      if (!req.query.artifact_file_path)
        throw new MloopError('BAD_REQUEST', 'Request must include the "artifact_file_path" query parameter.');
      const path = safeArtifactPath(req.query.artifact_file_path);
      const model = await loggedModels.get(req.params.model_id);
      const root = storePathOf(model.artifactLocation);
      return sendArtifactFile(reply, path, await artifacts.get(joinArtifactPath(root, path)));
    },
  );

  app.get(
    `${prefix}/metrics/get-history-bulk`,
    {
      schema: {
        tags,
        querystring: Type.Object({
          run_id: Type.Optional(Type.Array(Type.String())),
          metric_key: Type.Optional(Type.String()),
          max_results: Type.Optional(Type.Integer({ minimum: 1 })),
        }),
      },
    },
    async (req) => {
      const runIds = req.query.run_id ?? [];
      if (runIds.length === 0)
        throw invalidParameter('run_id', 'GetMetricHistoryBulk request must specify at least one run_id.');
      if (runIds.length > MAX_BULK_RUNS)
        throw invalidParameter(
          'run_id',
          `GetMetricHistoryBulk request cannot specify more than ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
        );
      const key = req.query.metric_key;
      if (key === undefined)
        throw invalidParameter('metric_key', 'GetMetricHistoryBulk request must specify a metric_key.');
      const max = Math.min(req.query.max_results ?? MAX_BULK_HISTORY, MAX_BULK_HISTORY);
      const metrics: Array<ReturnType<typeof metricToWire> & { run_id: string }> = [];
      for (const runId of [...runIds].sort()) {
        const history = await wholeHistory(runs, runId, key, max);
        history.sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value);
        metrics.push(...history.map((m) => ({ ...metricToWire(m), run_id: runId })));
      }
      return { metrics: metrics.slice(0, max) };
    },
  );

  app.get(
    `${prefix}/metrics/get-history-bulk-interval`,
    {
      schema: {
        tags,
        querystring: Type.Object({
          run_ids: Type.Optional(Type.Array(Type.String())),
          metric_key: Type.Optional(Type.String()),
          start_step: Type.Optional(Type.Integer()),
          end_step: Type.Optional(Type.Integer()),
          max_results: Type.Optional(Type.Integer()),
        }),
      },
    },
    async (req) => {
      const { run_ids: runIds = [], metric_key: key, start_step: start, end_step: end } = req.query;
      if (runIds.length === 0)
        throw invalidParameter('run_ids', "Missing value for required parameter 'run_ids'.");
      if (runIds.length > MAX_BULK_RUNS)
        throw invalidParameter(
          'run_ids',
          `GetMetricHistoryBulkInterval request must specify at most ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
        );
      if (!key) throw invalidParameter('metric_key', "Missing value for required parameter 'metric_key'.");
      const maxResults = req.query.max_results ?? MAX_SAMPLED_STEPS;
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
    },
  );

  app.post(
    `${prefix}/experiments/search-datasets`,
    {
      schema: {
        tags,
        body: Type.Object({ experiment_ids: Type.Optional(Type.Array(Type.String())) }),
      },
    },
    async (req) => {
      const experimentIds = req.body.experiment_ids ?? [];
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
    },
  );

  app.post(
    `${prefix}/upload-artifact`,
    {
      config: { bodyTypes: [ANY_TYPE] },
      schema: {
        tags,
        querystring: Type.Object({
          run_uuid: Type.Optional(Type.String()),
          path: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const runId = req.query.run_uuid;
      if (!runId) throw invalidParameter('run_uuid', 'Request must specify run_uuid.');
      if (!req.query.path) throw invalidParameter('path', 'Request must specify path.');
      const path = safeArtifactPath(req.query.path);
      const data = await bytesOf(req.body as Readable | Buffer | undefined);
      if (data.length === 0) throw invalidParameter('data', 'Request must specify data.');
      await runs.get(runId);
      await artifacts.putForRun(runId, path, new Uint8Array(data));
      return {};
    },
  );
}

/** Up to `max` points of one metric of a run, across the service's pages. */
async function wholeHistory(
  runs: Platform['tracking']['runs'],
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

/** The body of a browser upload, refused past MLflow's limit for these. */
async function bytesOf(body: Readable | Buffer | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_UI_UPLOAD_BYTES)
      throw invalidParameter('data', 'Artifact size is too large. Max size is 10MB.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
