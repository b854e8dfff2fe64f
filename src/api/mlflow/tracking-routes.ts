import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { runArtifactListing, runWithOutputs } from './run-reads.js';
import {
  experimentToWire,
  metricFromWire,
  metricToWire,
  runInfoToWire,
  runToWire,
  viewTypeFromWire,
  WireDatasetInput,
  WireMetric,
  WireParam,
  WireTag,
  WireViewType,
} from './wire.js';

const prefix = '/api/2.0/mlflow';
const tags = ['mlflow'];
const RunRef = { run_id: Type.Optional(Type.String()), run_uuid: Type.Optional(Type.String()) };

export function runIdOf(body: { run_id?: string | undefined; run_uuid?: string | undefined }): string {
  const id = body.run_id || body.run_uuid;
  if (!id) throw invalidParameter('run_id', "Missing value for required parameter 'run_id'.");
  return id;
}

/** MLflow REST API 2.0 tracking routes, mapped onto tracking's services (no second implementation). */
export function registerMlflowTrackingRoutes(app: App, platform: Platform): void {
  const { experiments, runs } = platform.tracking;

  app.post(
    `${prefix}/experiments/create`,
    {
      schema: {
        tags,
        body: Type.Object({
          name: Type.String(),
          artifact_location: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(WireTag)),
        }),
      },
    },
    async (req) => ({
      experiment_id: await experiments.create({
        name: req.body.name,
        artifactLocation: req.body.artifact_location,
        tags: req.body.tags,
      }),
    }),
  );

  app.get(
    `${prefix}/experiments/get`,
    { schema: { tags, querystring: Type.Object({ experiment_id: Type.String() }) } },
    async (req) => ({
      experiment: experimentToWire(await experiments.get(req.query.experiment_id)),
    }),
  );

  app.get(
    `${prefix}/experiments/get-by-name`,
    { schema: { tags, querystring: Type.Object({ experiment_name: Type.String() }) } },
    async (req) => ({
      experiment: experimentToWire(await experiments.getByName(req.query.experiment_name)),
    }),
  );

  const SearchExperiments = Type.Object({
    max_results: Type.Optional(Type.Integer()),
    page_token: Type.Optional(Type.String()),
    filter: Type.Optional(Type.String()),
    order_by: Type.Optional(Type.Array(Type.String())),
    view_type: Type.Optional(WireViewType),
  });
  const searchExperiments = async (q: typeof SearchExperiments.static) => {
    const page = await experiments.search({
      maxResults: q.max_results,
      pageToken: q.page_token,
      filter: q.filter,
      orderBy: q.order_by,
      viewType: viewTypeFromWire(q.view_type),
    });
    return {
      experiments: page.items.map(experimentToWire),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  };
  app.post(`${prefix}/experiments/search`, { schema: { tags, body: SearchExperiments } }, async (req) =>
    searchExperiments(req.body),
  );
  app.get(`${prefix}/experiments/search`, { schema: { tags, querystring: SearchExperiments } }, async (req) =>
    searchExperiments(req.query),
  );

  const ExperimentRef = Type.Object({ experiment_id: Type.String() });
  app.post(`${prefix}/experiments/delete`, { schema: { tags, body: ExperimentRef } }, async (req) => {
    await experiments.delete(req.body.experiment_id);
    return {};
  });
  app.post(`${prefix}/experiments/restore`, { schema: { tags, body: ExperimentRef } }, async (req) => {
    await experiments.restore(req.body.experiment_id);
    return {};
  });
  app.post(
    `${prefix}/experiments/update`,
    { schema: { tags, body: Type.Object({ experiment_id: Type.String(), new_name: Type.String() }) } },
    async (req) => {
      await experiments.rename(req.body.experiment_id, req.body.new_name);
      return {};
    },
  );
  app.post(
    `${prefix}/experiments/set-experiment-tag`,
    {
      schema: {
        tags,
        body: Type.Object({ experiment_id: Type.String(), key: Type.String(), value: Type.String() }),
      },
    },
    async (req) => {
      await experiments.setTag(req.body.experiment_id, { key: req.body.key, value: req.body.value });
      return {};
    },
  );
  app.post(
    `${prefix}/experiments/delete-experiment-tag`,
    {
      schema: { tags, body: Type.Object({ experiment_id: Type.String(), key: Type.String() }) },
    },
    async (req) => {
      await experiments.deleteTag(req.body.experiment_id, req.body.key);
      return {};
    },
  );

  app.post(
    `${prefix}/runs/create`,
    {
      schema: {
        tags,
        body: Type.Object({
          experiment_id: Type.Optional(Type.String()),
          user_id: Type.Optional(Type.String()),
          run_name: Type.Optional(Type.String()),
          start_time: Type.Optional(Type.Integer()),
          tags: Type.Optional(Type.Array(WireTag)),
        }),
      },
    },
    async (req) => ({
      run: runToWire(
        await runs.create({
          experimentId: req.body.experiment_id ?? '0',
          userId: req.body.user_id,
          runName: req.body.run_name,
          startTime: req.body.start_time,
          tags: req.body.tags,
        }),
      ),
    }),
  );

  app.post(
    `${prefix}/runs/update`,
    {
      schema: {
        tags,
        body: Type.Object({
          ...RunRef,
          status: Type.Optional(
            Type.Union([
              Type.Literal('RUNNING'),
              Type.Literal('SCHEDULED'),
              Type.Literal('FINISHED'),
              Type.Literal('FAILED'),
              Type.Literal('KILLED'),
            ]),
          ),
          end_time: Type.Optional(Type.Integer()),
          run_name: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => ({
      run_info: runInfoToWire(
        await runs.update(runIdOf(req.body), {
          status: req.body.status,
          endTime: req.body.end_time,
          runName: req.body.run_name,
        }),
      ),
    }),
  );

  app.post(`${prefix}/runs/delete`, { schema: { tags, body: Type.Object(RunRef) } }, async (req) => {
    await runs.delete(runIdOf(req.body));
    return {};
  });
  app.post(`${prefix}/runs/restore`, { schema: { tags, body: Type.Object(RunRef) } }, async (req) => {
    await runs.restore(runIdOf(req.body));
    return {};
  });
  app.get(`${prefix}/runs/get`, { schema: { tags, querystring: Type.Object(RunRef) } }, async (req) => ({
    run: await runWithOutputs(platform.tracking, runIdOf(req.query)),
  }));

  app.post(
    `${prefix}/runs/log-metric`,
    {
      schema: {
        tags,
        body: Type.Object(
          {
            ...RunRef,
            key: Type.String(),
            value: WireMetric.properties.value,
            timestamp: Type.Integer(),
            step: Type.Optional(Type.Integer()),
            model_id: Type.Optional(Type.String()),
            dataset_name: Type.Optional(Type.String()),
            dataset_digest: Type.Optional(Type.String()),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (req) => {
      await runs.logBatch(runIdOf(req.body), { metrics: [metricFromWire(req.body)] });
      return {};
    },
  );
  app.post(
    `${prefix}/runs/log-parameter`,
    { schema: { tags, body: Type.Object({ ...RunRef, key: Type.String(), value: Type.String() }) } },
    async (req) => {
      await runs.logBatch(runIdOf(req.body), { params: [{ key: req.body.key, value: req.body.value }] });
      return {};
    },
  );
  app.post(
    `${prefix}/runs/set-tag`,
    { schema: { tags, body: Type.Object({ ...RunRef, key: Type.String(), value: Type.String() }) } },
    async (req) => {
      await runs.logBatch(runIdOf(req.body), { tags: [{ key: req.body.key, value: req.body.value }] });
      return {};
    },
  );
  app.post(
    `${prefix}/runs/delete-tag`,
    { schema: { tags, body: Type.Object({ run_id: Type.String(), key: Type.String() }) } },
    async (req) => {
      await runs.deleteTag(req.body.run_id, req.body.key);
      return {};
    },
  );
  app.post(
    `${prefix}/runs/log-batch`,
    {
      schema: {
        tags,
        body: Type.Object({
          run_id: Type.String(),
          metrics: Type.Optional(Type.Array(WireMetric)),
          params: Type.Optional(Type.Array(WireParam)),
          tags: Type.Optional(Type.Array(WireTag)),
        }),
      },
    },
    async (req) => {
      await runs.logBatch(req.body.run_id, {
        metrics: req.body.metrics?.map(metricFromWire),
        params: req.body.params,
        tags: req.body.tags,
      });
      return {};
    },
  );
  app.post(
    `${prefix}/runs/log-inputs`,
    {
      schema: {
        tags,
        body: Type.Object(
          {
            run_id: Type.String(),
            datasets: Type.Optional(Type.Array(WireDatasetInput)),
            models: Type.Optional(Type.Array(Type.Object({ model_id: Type.String() }))),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (req) => {
      await runs.logInputs(
        req.body.run_id,
        (req.body.datasets ?? []).map((d) => ({
          tags: d.tags ?? [],
          dataset: {
            name: d.dataset.name,
            digest: d.dataset.digest,
            sourceType: d.dataset.source_type,
            source: d.dataset.source,
            schema: d.dataset.schema,
            profile: d.dataset.profile,
          },
        })),
        (req.body.models ?? []).map((m) => m.model_id),
      );
      return {};
    },
  );
  // Older clients record logged models through this endpoint; the model's files are artifacts already.
  app.post(
    `${prefix}/runs/log-model`,
    { schema: { tags, body: Type.Object({ run_id: Type.String(), model_json: Type.String() }) } },
    async (req) => {
      await runs.get(req.body.run_id);
      return {};
    },
  );

  const SearchRuns = Type.Object({
    experiment_ids: Type.Optional(Type.Array(Type.String())),
    filter: Type.Optional(Type.String()),
    run_view_type: Type.Optional(WireViewType),
    max_results: Type.Optional(Type.Integer()),
    order_by: Type.Optional(Type.Array(Type.String())),
    page_token: Type.Optional(Type.String()),
  });
  app.post(`${prefix}/runs/search`, { schema: { tags, body: SearchRuns } }, async (req) => {
    const page = await runs.search({
      experimentIds: req.body.experiment_ids ?? [],
      filter: req.body.filter,
      viewType: viewTypeFromWire(req.body.run_view_type),
      maxResults: req.body.max_results,
      orderBy: req.body.order_by,
      pageToken: req.body.page_token,
    });
    return {
      runs: page.items.map(runToWire),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  app.get(
    `${prefix}/metrics/get-history`,
    {
      schema: {
        tags,
        querystring: Type.Object({
          ...RunRef,
          metric_key: Type.String(),
          max_results: Type.Optional(Type.Integer()),
          page_token: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const page = await runs.metricHistory(runIdOf(req.query), req.query.metric_key, {
        ...(req.query.max_results === undefined ? {} : { maxResults: req.query.max_results }),
        ...(req.query.page_token === undefined ? {} : { pageToken: req.query.page_token }),
      });
      return {
        metrics: page.items.map(metricToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  app.get(
    `${prefix}/artifacts/list`,
    {
      schema: {
        tags,
        querystring: Type.Object({
          ...RunRef,
          path: Type.Optional(Type.String()),
          page_token: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => runArtifactListing(platform.tracking, runIdOf(req.query), req.query.path ?? ''),
  );
}
