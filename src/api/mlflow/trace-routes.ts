import { Type } from '@sinclair/typebox';
import { invalidParameter, notFound } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import { traceNotFound } from '../../tracking/traces/traces.js';
import type { App } from '../server.js';
import { otelSpansOf } from './otel-span-wire.js';
import { traceInfoFromWire, traceInfoToWire, WireTraceInfo } from './trace-wire.js';

const v3 = '/api/3.0/mlflow/traces';
const v2 = '/api/2.0/mlflow/traces';
const tags = ['mlflow-traces'];
const read = { action: 'runs.read' } as const;
const write = { action: 'runs.write' } as const;
const TraceIdParam = Type.Object({ trace_id: Type.String() });
const RequestIdParam = Type.Object({ request_id: Type.String() });

/**
 * MLflow 3's trace API (StartTraceV3, GetTraceInfoV3, BatchGetTraceInfos, SearchTracesV3,
 * DeleteTraces, trace tags, LinkTracesToRun), mapped onto tracking's TraceService. The client
 * records a trace when it ends, then uploads its spans to the `mlflow.artifactLocation` the answer
 * names, through the artifact proxy; it reads them back from there.
 */
export function registerMlflowTraceRoutes(app: App, platform: Platform): void {
  const { traces } = platform.tracking;

  app.post(
    v3,
    {
      config: write,
      schema: {
        tags,
        summary: 'Record a trace (StartTraceV3, sent when the trace ends)',
        body: Type.Object({ trace: Type.Object({ trace_info: WireTraceInfo }) }),
      },
    },
    async (req) => {
      const info = await traces.start(traceInfoFromWire(req.body.trace.trace_info));
      return { trace: { trace_info: traceInfoToWire(info) } };
    },
  );

  app.get(
    `${v3}/:trace_id`,
    { config: read, schema: { tags, summary: "A trace's info", params: TraceIdParam } },
    async (req) => ({ trace: { trace_info: traceInfoToWire(await traces.get(req.params.trace_id)) } }),
  );

  // Whole traces with their spans (read from the span file the client uploaded), in OTLP form.
  const withSpans = async (traceIds: string[], experimentIds?: string[]) =>
    Promise.all(
      (await traces.batchGet(traceIds, experimentIds)).map(async (info) => ({
        trace_info: traceInfoToWire(info),
        spans: otelSpansOf(await traces.spans(info.traceId)),
      })),
    );
  app.get(
    `${v3}/get`,
    {
      config: read,
      schema: {
        tags,
        summary: 'A trace with its spans',
        // The client writes the flag as Python does (`False`); spans are given as far as they are stored.
        querystring: Type.Object({ trace_id: Type.String(), allow_partial: Type.Optional(Type.String()) }),
      },
    },
    async (req) => {
      const [trace] = await withSpans([req.query.trace_id]);
      if (!trace) throw traceNotFound(req.query.trace_id);
      return { trace };
    },
  );
  app.get(
    `${v3}/batchGet`,
    {
      config: read,
      schema: {
        tags,
        summary: 'Several traces with their spans',
        querystring: Type.Object({
          trace_ids: Type.Array(Type.String()),
          experiment_ids: Type.Optional(Type.Array(Type.String())),
        }),
      },
    },
    async (req) => ({ traces: await withSpans(req.query.trace_ids, req.query.experiment_ids) }),
  );

  app.post(
    `${v3}/batchGetInfos`,
    {
      config: read,
      schema: {
        tags,
        summary: 'The infos of several traces',
        body: Type.Object({
          trace_ids: Type.Array(Type.String()),
          experiment_ids: Type.Optional(Type.Array(Type.String())),
        }),
      },
    },
    async (req) => ({
      trace_infos: (await traces.batchGet(req.body.trace_ids, req.body.experiment_ids)).map(traceInfoToWire),
    }),
  );

  app.post(
    `${v3}/search`,
    {
      config: read,
      schema: {
        tags,
        summary: 'Search the traces of experiments',
        body: Type.Object({
          locations: Type.Array(
            Type.Object({
              type: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
              mlflow_experiment: Type.Optional(Type.Object({ experiment_id: Type.String() })),
            }),
          ),
          filter: Type.Optional(Type.String()),
          max_results: Type.Optional(Type.Integer()),
          order_by: Type.Optional(Type.Array(Type.String())),
          page_token: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const experimentIds = req.body.locations.flatMap((l) =>
        l.mlflow_experiment ? [l.mlflow_experiment.experiment_id] : [],
      );
      const page = await traces.search({
        experimentIds,
        filter: req.body.filter,
        orderBy: req.body.order_by,
        maxResults: req.body.max_results,
        pageToken: req.body.page_token,
      });
      return {
        traces: page.items.map(traceInfoToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
  );

  const DeleteTraces = Type.Object({
    experiment_id: Type.String(),
    max_timestamp_millis: Type.Optional(Type.Integer()),
    max_traces: Type.Optional(Type.Integer()),
    request_ids: Type.Optional(Type.Array(Type.String())),
  });
  for (const prefix of [v2, v3]) {
    app.post(
      `${prefix}/delete-traces`,
      { config: write, schema: { tags, summary: 'Delete traces by id or by age', body: DeleteTraces } },
      async (req) => ({
        traces_deleted: await traces.delete({
          experimentId: req.body.experiment_id,
          maxTimestampMillis: req.body.max_timestamp_millis,
          maxTraces: req.body.max_traces,
          traceIds: req.body.request_ids,
        }),
      }),
    );
  }

  const SetTag = Type.Object({ key: Type.String(), value: Type.Optional(Type.String()) });
  const DeleteTag = Type.Object({ key: Type.String() });
  const idOf = (params: { trace_id?: string; request_id?: string }) =>
    params.trace_id ?? params.request_id ?? '';
  for (const [prefix, Params, name] of [
    [v3, TraceIdParam, 'trace_id'],
    [v2, RequestIdParam, 'request_id'],
  ] as const) {
    app.patch(
      `${prefix}/:${name}/tags`,
      { config: write, schema: { tags, summary: 'Set a tag on a trace', params: Params, body: SetTag } },
      async (req) => {
        await traces.setTag(idOf(req.params), req.body.key, req.body.value ?? '');
        return {};
      },
    );
    app.delete(
      `${prefix}/:${name}/tags`,
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete a tag of a trace',
          params: Params,
          querystring: Type.Partial(DeleteTag),
        },
      },
      async (req) => {
        // MLflow's client sends the key in a JSON body; a query string works too.
        const body = (req.body ?? {}) as { key?: unknown };
        const key = typeof body.key === 'string' ? body.key : req.query.key;
        if (!key) throw invalidParameter('key', "Missing value for required parameter 'key'.");
        await traces.deleteTag(idOf(req.params), key);
        return {};
      },
    );
  }

  // MLflow's web UI reads a trace's span file here (only under /ajax-api, which maps to /api).
  for (const version of ['2.0', '3.0']) {
    app.get(
      `/api/${version}/mlflow/get-trace-artifact`,
      {
        config: read,
        schema: {
          tags,
          summary: "A trace's span file, as MLflow's UI reads it",
          querystring: Type.Object({ request_id: Type.String() }),
        },
      },
      async (req, reply) => {
        const spans = await traces.spans(req.query.request_id);
        if (spans === undefined) {
          throw notFound(`The spans of trace '${req.query.request_id}' are not stored on this server.`);
        }
        return reply.type('application/json').send(JSON.stringify(spans));
      },
    );
  }

  app.post(
    `${v2}/link-to-run`,
    {
      config: write,
      schema: {
        tags,
        summary: 'Link traces to a run',
        body: Type.Object({ trace_ids: Type.Array(Type.String()), run_id: Type.String() }),
      },
    },
    async (req) => {
      await traces.linkToRun(req.body.trace_ids, req.body.run_id);
      return {};
    },
  );
}
