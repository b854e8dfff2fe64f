import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { invalidParameter, MloopError } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import { checkVersion } from '../../registry/validation.js';
import { storePathOf } from '../../tracking/artifacts.js';
import { normalizeArtifactPath, joinArtifactPath } from '../../store/artifacts/artifact-path.js';
import { ANY_TYPE } from '../body-types.js';
import type { App } from '../server.js';
import { sendArtifactFile } from './artifact-download.js';
import { registerMlflowGraphqlRoutes } from './graphql-route.js';
import {
  datasetSummaries,
  MAX_BULK_HISTORY,
  MAX_BULK_RUNS,
  metricHistoryBulkInterval,
  wholeHistory,
} from './run-reads.js';
import { registerMlflowServerInfoRoute } from './server-info-route.js';
import { metricToWire } from './wire.js';

const prefix = '/api/2.0/mlflow';
const tags = ['mlflow-ui'];
// MLflow's own bound for the browser's uploads.
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
  // Its web UI reads runs, experiments and metric histories through GraphQL.
  registerMlflowGraphqlRoutes(app, platform);

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
    async (req) =>
      metricHistoryBulkInterval(runs, {
        runIds: req.query.run_ids ?? [],
        metricKey: req.query.metric_key,
        startStep: req.query.start_step,
        endStep: req.query.end_step,
        maxResults: req.query.max_results,
      }),
  );

  app.post(
    `${prefix}/experiments/search-datasets`,
    {
      schema: {
        tags,
        body: Type.Object({ experiment_ids: Type.Optional(Type.Array(Type.String())) }),
      },
    },
    async (req) => datasetSummaries(runs, req.body.experiment_ids ?? []),
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
