import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import type { Metric, Run } from '../../tracking/types.js';
import { ANY_TYPE } from '../body-types.js';
import type { App } from '../server.js';
import { fromWireNumber, toWireNumber } from '../wire-number.js';
import {
  DatasetInputSchema,
  ErrorSchema,
  ExperimentSchema,
  ListedExperimentSchema,
  MetricInputSchema,
  MetricSchema,
  Ok,
  RunInfoSchema,
  RunSchema,
  RunStatusSchema,
  TagSchema,
  ViewTypeSchema,
} from './tracking-schemas.js';

const v1 = '/api/v1';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const IdParam = Type.Object({ id: Type.String() });

const metricOut = (m: Metric) => ({ ...m, value: toWireNumber(m.value) });
const runOut = (r: Run) => ({ ...r, data: { ...r.data, metrics: r.data.metrics.map(metricOut) } });

/** mloop's own REST API for tracking: resource-shaped, camelCase, the SDK's wire format. */
export function registerNativeTrackingRoutes(app: App, platform: Platform): void {
  const { experiments, runs, artifacts } = platform.tracking;
  const clock = platform.clock;
  const t = ['experiments'];
  const r = ['runs'];

  app.post(
    `${v1}/experiments`,
    {
      schema: {
        tags: t,
        summary: 'Create an experiment',
        body: Type.Object({
          name: Type.String(),
          artifactLocation: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagSchema)),
        }),
        response: { 201: ExperimentSchema, ...errors },
      },
    },
    async (req, reply) => {
      const id = await experiments.create(req.body);
      return reply.status(201).send(await experiments.get(id));
    },
  );

  app.get(
    `${v1}/experiments`,
    {
      schema: {
        tags: t,
        summary: 'Search experiments',
        querystring: Type.Object({
          filter: Type.Optional(Type.String()),
          orderBy: Type.Optional(Type.Array(Type.String())),
          maxResults: Type.Optional(Type.Integer()),
          pageToken: Type.Optional(Type.String()),
          view: Type.Optional(ViewTypeSchema),
        }),
        response: {
          200: Type.Object({
            experiments: Type.Array(ListedExperimentSchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await experiments.search({ ...req.query, viewType: req.query.view });
      const runCounts = await experiments.runCounts(page.items.map((e) => e.experimentId));
      return {
        experiments: page.items.map((e) => ({ ...e, runCount: runCounts.get(e.experimentId) ?? 0 })),
        nextPageToken: page.nextPageToken,
      };
    },
  );

  app.get(
    `${v1}/experiments/:id`,
    {
      schema: {
        tags: t,
        summary: 'Get an experiment',
        params: IdParam,
        response: { 200: ExperimentSchema, ...errors },
      },
    },
    async (req) => experiments.get(req.params.id),
  );

  app.get(
    `${v1}/experiments/by-name/:name`,
    {
      schema: {
        tags: t,
        summary: 'Get an experiment by name',
        params: Type.Object({ name: Type.String() }),
        response: { 200: ExperimentSchema, ...errors },
      },
    },
    async (req) => experiments.getByName(req.params.name),
  );

  app.patch(
    `${v1}/experiments/:id`,
    {
      schema: {
        tags: t,
        summary: 'Rename an experiment',
        params: IdParam,
        body: Type.Object({ name: Type.String() }),
        response: { 200: ExperimentSchema, ...errors },
      },
    },
    async (req) => {
      await experiments.rename(req.params.id, req.body.name);
      return experiments.get(req.params.id);
    },
  );

  app.delete(
    `${v1}/experiments/:id`,
    {
      schema: {
        tags: t,
        summary: 'Delete an experiment (restorable)',
        params: IdParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await experiments.delete(req.params.id);
      return {};
    },
  );

  app.post(
    `${v1}/experiments/:id/restore`,
    {
      schema: {
        tags: t,
        summary: 'Restore a deleted experiment',
        params: IdParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await experiments.restore(req.params.id);
      return {};
    },
  );

  app.put(
    `${v1}/experiments/:id/tags/:key`,
    {
      schema: {
        tags: t,
        summary: 'Set an experiment tag',
        params: Type.Object({ id: Type.String(), key: Type.String() }),
        body: Type.Object({ value: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await experiments.setTag(req.params.id, { key: req.params.key, value: req.body.value });
      return {};
    },
  );

  app.delete(
    `${v1}/experiments/:id/tags/:key`,
    {
      schema: {
        tags: t,
        summary: 'Delete an experiment tag',
        params: Type.Object({ id: Type.String(), key: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await experiments.deleteTag(req.params.id, req.params.key);
      return {};
    },
  );

  app.post(
    `${v1}/runs`,
    {
      schema: {
        tags: r,
        summary: 'Start a run',
        body: Type.Object({
          experimentId: Type.String(),
          runName: Type.Optional(Type.String()),
          userId: Type.Optional(Type.String()),
          startTime: Type.Optional(Type.Integer()),
          parentRunId: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagSchema)),
        }),
        response: { 201: RunSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { parentRunId, ...rest } = req.body;
      const tags = [
        ...(rest.tags ?? []),
        ...(parentRunId ? [{ key: 'mlflow.parentRunId', value: parentRunId }] : []),
      ];
      return reply.status(201).send(runOut(await runs.create({ ...rest, tags })));
    },
  );

  app.get(
    `${v1}/runs/:id`,
    { schema: { tags: r, summary: 'Get a run', params: IdParam, response: { 200: RunSchema, ...errors } } },
    async (req) => runOut(await runs.get(req.params.id)),
  );

  app.patch(
    `${v1}/runs/:id`,
    {
      schema: {
        tags: r,
        summary: 'Update a run (status, end time, name)',
        params: IdParam,
        body: Type.Object({
          status: Type.Optional(RunStatusSchema),
          endTime: Type.Optional(Type.Integer()),
          runName: Type.Optional(Type.String()),
        }),
        response: { 200: RunInfoSchema, ...errors },
      },
    },
    async (req) => runs.update(req.params.id, req.body),
  );

  app.delete(
    `${v1}/runs/:id`,
    {
      schema: {
        tags: r,
        summary: 'Delete a run (restorable)',
        params: IdParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await runs.delete(req.params.id);
      return {};
    },
  );

  app.post(
    `${v1}/runs/:id/restore`,
    {
      schema: {
        tags: r,
        summary: 'Restore a deleted run',
        params: IdParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await runs.restore(req.params.id);
      return {};
    },
  );

  app.post(
    `${v1}/runs/:id/log`,
    {
      schema: {
        tags: r,
        summary: 'Log metrics, params and tags atomically',
        params: IdParam,
        body: Type.Object({
          metrics: Type.Optional(Type.Array(MetricInputSchema)),
          params: Type.Optional(Type.Array(TagSchema)),
          tags: Type.Optional(Type.Array(TagSchema)),
        }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      const now = clock.now();
      await runs.logBatch(req.params.id, {
        metrics: req.body.metrics?.map((m) => ({
          key: m.key,
          value: fromWireNumber(m.value),
          timestamp: m.timestamp ?? now,
          step: m.step ?? 0,
        })),
        params: req.body.params,
        tags: req.body.tags,
      });
      return {};
    },
  );

  app.delete(
    `${v1}/runs/:id/tags/:key`,
    {
      schema: {
        tags: r,
        summary: 'Delete a run tag',
        params: Type.Object({ id: Type.String(), key: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await runs.deleteTag(req.params.id, req.params.key);
      return {};
    },
  );

  app.get(
    `${v1}/runs/:id/metrics/:key`,
    {
      schema: {
        tags: r,
        summary: 'Full history of one metric',
        params: Type.Object({ id: Type.String(), key: Type.String() }),
        querystring: Type.Object({
          maxResults: Type.Optional(Type.Integer()),
          pageToken: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            metrics: Type.Array(MetricSchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await runs.metricHistory(req.params.id, req.params.key, req.query);
      return { metrics: page.items.map(metricOut), nextPageToken: page.nextPageToken };
    },
  );

  app.post(
    `${v1}/runs/:id/inputs`,
    {
      schema: {
        tags: r,
        summary: 'Record datasets a run read',
        params: IdParam,
        body: Type.Object({ datasets: Type.Array(DatasetInputSchema) }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await runs.logInputs(req.params.id, req.body.datasets);
      return {};
    },
  );

  app.post(
    `${v1}/runs/search`,
    {
      schema: {
        tags: r,
        summary: "Search runs with MLflow's filter grammar",
        body: Type.Object({
          experimentIds: Type.Array(Type.String()),
          filter: Type.Optional(Type.String()),
          orderBy: Type.Optional(Type.Array(Type.String())),
          maxResults: Type.Optional(Type.Integer()),
          pageToken: Type.Optional(Type.String()),
          view: Type.Optional(ViewTypeSchema),
        }),
        response: {
          200: Type.Object({ runs: Type.Array(RunSchema), nextPageToken: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await runs.search({ ...req.body, viewType: req.body.view });
      return { runs: page.items.map(runOut), nextPageToken: page.nextPageToken };
    },
  );

  app.get(
    `${v1}/runs/:id/artifacts`,
    {
      schema: {
        tags: r,
        summary: "List a directory of a run's artifacts",
        params: IdParam,
        querystring: Type.Object({ path: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            files: Type.Array(
              Type.Object({
                path: Type.String(),
                isDir: Type.Boolean(),
                size: Type.Optional(Type.Integer()),
                sha256: Type.Optional(Type.String()),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({ files: await artifacts.listForRun(req.params.id, req.query.path ?? '') }),
  );

  app.put(
    `${v1}/runs/:id/artifacts/*`,
    {
      config: { bodyTypes: [ANY_TYPE] },
      schema: {
        tags: r,
        summary: 'Upload an artifact file (raw body)',
        params: Type.Object({ id: Type.String(), '*': Type.String() }),
        response: {
          200: Type.Object({ path: Type.String(), size: Type.Integer(), sha256: Type.String() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const body = req.body as Readable | Buffer | string | undefined;
      const bytes =
        body === undefined
          ? new Uint8Array()
          : typeof body === 'string'
            ? new Uint8Array(Buffer.from(body))
            : body instanceof Buffer
              ? new Uint8Array(body)
              : body;
      return artifacts.putForRun(req.params.id, req.params['*'], bytes);
    },
  );

  app.get(
    `${v1}/runs/:id/artifacts/*`,
    {
      schema: {
        tags: r,
        summary: 'Download an artifact file',
        params: Type.Object({ id: Type.String(), '*': Type.String() }),
      },
    },
    async (req, reply) => {
      const file = await artifacts.getForRun(req.params.id, req.params['*']);
      reply.header('content-length', file.size);
      if (file.sha256) reply.header('x-mloop-sha256', file.sha256);
      return reply.type('application/octet-stream').send(file.stream);
    },
  );
}
