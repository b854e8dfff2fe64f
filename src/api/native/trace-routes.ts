import { Type } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import { spanViews } from '../../tracking/traces/span-view.js';
import type { TraceInfo } from '../../tracking/traces/types.js';
import type { App } from '../server.js';
import { ErrorSchema, TagSchema } from './tracking-schemas.js';

const v1 = '/api/v1';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const tags = ['traces'];
const read = { action: 'runs.read' } as const;

const TraceSummarySchema = Type.Object({
  traceId: Type.String(),
  experimentId: Type.String(),
  name: Type.Optional(Type.String()),
  state: Type.String(),
  requestTime: Type.Integer(),
  executionDuration: Type.Optional(Type.Integer()),
  requestPreview: Type.Optional(Type.String()),
  responsePreview: Type.Optional(Type.String()),
  /** The runs the trace was recorded in or linked to. */
  runIds: Type.Array(Type.String()),
  tags: Type.Array(TagSchema),
  assessmentCount: Type.Integer(),
});

const AssessmentSchema = Type.Object({
  assessmentId: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  value: Type.Unknown(),
  rationale: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
  spanId: Type.Optional(Type.String()),
  valid: Type.Boolean(),
});

const SpanSchema = Type.Object({
  spanId: Type.String(),
  parentId: Type.Optional(Type.String()),
  name: Type.String(),
  spanType: Type.Optional(Type.String()),
  startTime: Type.Number(),
  endTime: Type.Optional(Type.Number()),
  status: Type.String(),
  statusMessage: Type.Optional(Type.String()),
  inputs: Type.Optional(Type.Unknown()),
  outputs: Type.Optional(Type.Unknown()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
});

function summaryOf(t: TraceInfo, runIds: string[]) {
  return {
    traceId: t.traceId,
    experimentId: t.experimentId,
    name: t.tags['mlflow.traceName'],
    state: t.state,
    requestTime: t.requestTime,
    executionDuration: t.executionDuration,
    requestPreview: t.requestPreview,
    responsePreview: t.responsePreview,
    runIds,
    tags: Object.entries(t.tags).map(([key, value]) => ({ key, value })),
    assessmentCount: t.assessments.length,
  };
}

/** mloop's own read API for traces (the dashboard's trace list and span tree), camelCase. */
export function registerNativeTraceRoutes(app: App, platform: Platform): void {
  const { traces } = platform.tracking;

  app.get(
    `${v1}/experiments/:id/traces`,
    {
      config: read,
      schema: {
        tags,
        summary: "An experiment's traces, newest first (MLflow's trace filter grammar)",
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({
          filter: Type.Optional(Type.String()),
          orderBy: Type.Optional(Type.Array(Type.String())),
          maxResults: Type.Optional(Type.Integer()),
          pageToken: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            traces: Type.Array(TraceSummarySchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await traces.search({ experimentIds: [req.params.id], ...req.query });
      const runs = await traces.runsOf(page.items.map((t) => t.traceId));
      return {
        traces: page.items.map((t) => summaryOf(t, runs.get(t.traceId) ?? [])),
        nextPageToken: page.nextPageToken,
      };
    },
  );

  app.get(
    `${v1}/traces/:id`,
    {
      config: read,
      schema: {
        tags,
        summary: 'A trace with its spans (empty when its span file is not in this server’s store)',
        params: Type.Object({ id: Type.String() }),
        response: {
          200: Type.Composite([
            TraceSummarySchema,
            Type.Object({
              metadata: Type.Record(Type.String(), Type.String()),
              assessments: Type.Array(AssessmentSchema),
              spans: Type.Array(SpanSchema),
            }),
          ]),
          ...errors,
        },
      },
    },
    async (req) => {
      const info = await traces.get(req.params.id);
      const [runs, spans] = await Promise.all([traces.runsOf([info.traceId]), traces.spans(info.traceId)]);
      return {
        ...summaryOf(info, runs.get(info.traceId) ?? []),
        metadata: info.metadata,
        assessments: info.assessments.map((a) => ({
          assessmentId: a.assessmentId,
          name: a.name,
          kind: a.value.kind,
          value:
            a.value.kind === 'feedback'
              ? (a.value.value ?? a.value.error)
              : (a.value.value ?? a.value.serializedValue),
          rationale: a.rationale,
          source: a.source ? `${a.source.sourceType}: ${a.source.sourceId}` : undefined,
          spanId: a.spanId,
          valid: a.valid,
        })),
        spans: spanViews(spans),
      };
    },
  );
}
