import { Type, type Static } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import { storePathOf } from '../../tracking/artifacts.js';
import type { LoggedModel, LoggedModelStatus } from '../../tracking/types.js';
import type { App } from '../server.js';
import { metricToWire, tagsToWire, WireTag } from './wire.js';

const prefix = '/api/2.0/mlflow';
const tags = ['mlflow'];

/** MLflow's LoggedModelStatus enum, by name and by protobuf number. */
const statusToWire: Record<LoggedModelStatus, string> = {
  PENDING: 'LOGGED_MODEL_PENDING',
  READY: 'LOGGED_MODEL_READY',
  FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
};
const WireStatus = Type.Union([
  Type.Literal('LOGGED_MODEL_STATUS_UNSPECIFIED'),
  Type.Literal('LOGGED_MODEL_PENDING'),
  Type.Literal('LOGGED_MODEL_READY'),
  Type.Literal('LOGGED_MODEL_UPLOAD_FAILED'),
  Type.Integer({ minimum: 0, maximum: 3 }),
]);

function statusFromWire(status: Static<typeof WireStatus>): LoggedModelStatus {
  const byNumber = ['', 'PENDING', 'READY', 'FAILED'] as const;
  const name =
    typeof status === 'number'
      ? byNumber[status]
      : (Object.entries(statusToWire).find(([, wire]) => wire === status)?.[0] ?? '');
  if (name === '' || name === undefined)
    throw invalidParameter('status', 'status must be set to READY or FAILED');
  return name as LoggedModelStatus;
}

/** Registrations are recorded in the `mlflow.modelVersions` tag, as MLflow's server records them. */
function registrationsOf(model: LoggedModel): Array<{ name: string; version: string }> {
  const tag = model.tags.find((t) => t.key === 'mlflow.modelVersions');
  if (!tag) return [];
  try {
    const parsed = JSON.parse(tag.value) as Array<{ name?: unknown; version?: unknown }>;
    return parsed.map((r) => ({ name: String(r.name), version: String(r.version) }));
  } catch {
    return [];
  }
}

export function loggedModelToWire(model: LoggedModel) {
  return {
    info: {
      model_id: model.modelId,
      experiment_id: model.experimentId,
      name: model.name,
      creation_timestamp_ms: model.creationTime,
      last_updated_timestamp_ms: model.lastUpdatedTime,
      artifact_uri: model.artifactLocation,
      status: statusToWire[model.status],
      ...(model.statusMessage === undefined ? {} : { status_message: model.statusMessage }),
      ...(model.modelType === undefined ? {} : { model_type: model.modelType }),
      ...(model.sourceRunId === undefined ? {} : { source_run_id: model.sourceRunId }),
      tags: tagsToWire(model.tags),
      registrations: registrationsOf(model),
    },
    data: { params: tagsToWire(model.params), metrics: model.metrics.map(metricToWire) },
  };
}

const ModelIdParam = Type.Object({ model_id: Type.String() });

/** MLflow 3's logged-model endpoints, mapped onto tracking's LoggedModelService. */
export function registerMlflowLoggedModelRoutes(app: App, platform: Platform): void {
  const { loggedModels, artifacts } = platform.tracking;

  app.post(
    `${prefix}/logged-models`,
    {
      schema: {
        tags,
        body: Type.Object({
          experiment_id: Type.String(),
          name: Type.Optional(Type.String()),
          model_type: Type.Optional(Type.String()),
          source_run_id: Type.Optional(Type.String()),
          params: Type.Optional(Type.Array(WireTag)),
          tags: Type.Optional(Type.Array(WireTag)),
        }),
      },
    },
    async (req) => ({
      model: loggedModelToWire(
        await loggedModels.create({
          experimentId: req.body.experiment_id,
          name: req.body.name,
          modelType: req.body.model_type,
          sourceRunId: req.body.source_run_id,
          params: req.body.params,
          tags: req.body.tags,
        }),
      ),
    }),
  );

  app.post(
    `${prefix}/logged-models/search`,
    {
      schema: {
        tags,
        body: Type.Object({
          experiment_ids: Type.Array(Type.String()),
          filter: Type.Optional(Type.String()),
          datasets: Type.Optional(
            Type.Array(
              Type.Object({ dataset_name: Type.String(), dataset_digest: Type.Optional(Type.String()) }),
            ),
          ),
          max_results: Type.Optional(Type.Integer()),
          order_by: Type.Optional(
            Type.Array(
              Type.Object({
                field_name: Type.String(),
                ascending: Type.Optional(Type.Boolean()),
                dataset_name: Type.Optional(Type.String()),
                dataset_digest: Type.Optional(Type.String()),
              }),
            ),
          ),
          page_token: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const page = await loggedModels.search({
        experimentIds: req.body.experiment_ids,
        filter: req.body.filter,
        datasets: req.body.datasets?.map((d) => ({
          datasetName: d.dataset_name,
          datasetDigest: d.dataset_digest,
        })),
        maxResults: req.body.max_results,
        orderBy: req.body.order_by?.map((o) => ({
          fieldName: o.field_name,
          ascending: o.ascending,
          datasetName: o.dataset_name,
          datasetDigest: o.dataset_digest,
        })),
        pageToken: req.body.page_token,
      });
      return {
        models: page.items.map(loggedModelToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.get(
    `${prefix}/logged-models/:model_id`,
    {
      schema: {
        tags,
        params: ModelIdParam,
        querystring: Type.Object({ allow_deleted: Type.Optional(Type.Boolean()) }),
      },
    },
    async (req) => ({
      model: loggedModelToWire(
        await loggedModels.get(req.params.model_id, { allowDeleted: req.query.allow_deleted ?? false }),
      ),
    }),
  );

  app.patch(
    `${prefix}/logged-models/:model_id`,
    {
      schema: {
        tags,
        params: ModelIdParam,
        body: Type.Object({ model_id: Type.Optional(Type.String()), status: WireStatus }),
      },
    },
    async (req) => ({
      model: loggedModelToWire(
        await loggedModels.finalize(req.params.model_id, statusFromWire(req.body.status)),
      ),
    }),
  );

  app.delete(`${prefix}/logged-models/:model_id`, { schema: { tags, params: ModelIdParam } }, async (req) => {
    await loggedModels.delete(req.params.model_id);
    return {};
  });

  app.patch(
    `${prefix}/logged-models/:model_id/tags`,
    {
      schema: {
        tags,
        params: ModelIdParam,
        body: Type.Object({ model_id: Type.Optional(Type.String()), tags: Type.Array(WireTag) }),
      },
    },
    async (req) => {
      await loggedModels.setTags(req.params.model_id, req.body.tags);
      return {};
    },
  );

  app.delete(
    `${prefix}/logged-models/:model_id/tags/:tag_key`,
    { schema: { tags, params: Type.Object({ model_id: Type.String(), tag_key: Type.String() }) } },
    async (req) => {
      await loggedModels.deleteTag(req.params.model_id, req.params.tag_key);
      return {};
    },
  );

  app.post(
    `${prefix}/logged-models/:model_id/params`,
    {
      schema: {
        tags,
        params: ModelIdParam,
        body: Type.Object({ model_id: Type.Optional(Type.String()), params: Type.Array(WireTag) }),
      },
    },
    async (req) => {
      await loggedModels.logParams(req.params.model_id, req.body.params);
      return {};
    },
  );

  app.get(
    `${prefix}/logged-models/:model_id/artifacts/directories`,
    {
      schema: {
        tags,
        params: ModelIdParam,
        querystring: Type.Object({
          artifact_directory_path: Type.Optional(Type.String()),
          page_token: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const model = await loggedModels.get(req.params.model_id);
      const root = storePathOf(model.artifactLocation);
      const dir = req.query.artifact_directory_path ?? '';
      const entries = await artifacts.list(dir ? `${root}/${dir}` : root);
      return {
        root_uri: model.artifactLocation,
        files: entries.map((e) => ({
          path: e.path.slice(root.length + 1),
          is_dir: e.isDir,
          ...(e.size === undefined ? {} : { file_size: e.size }),
        })),
      };
    },
  );

  app.post(
    `${prefix}/runs/outputs`,
    {
      schema: {
        tags,
        body: Type.Object({
          run_id: Type.String(),
          models: Type.Array(Type.Object({ model_id: Type.String(), step: Type.Optional(Type.Integer()) })),
        }),
      },
    },
    async (req) => {
      await loggedModels.logOutputs(
        req.body.run_id,
        req.body.models.map((m) => ({ modelId: m.model_id, step: m.step ?? 0 })),
      );
      return {};
    },
  );
}
