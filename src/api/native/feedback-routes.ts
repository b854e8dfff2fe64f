import { Type, type Static } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { LabelInput } from '../../feedback/feedback-service.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import type { Platform } from '../../platform.js';
import { timeOf } from '../serving/prediction-routes.js';
import type { App } from '../server.js';
import {
  AttachResultSchema,
  FeedbackBody,
  FeedbackSchema,
  LabelledPredictionSchema,
  PerformanceReportSchema,
} from './feedback-schemas.js';
import { ErrorSchema } from './tracking-schemas.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema };
const tags = ['feedback'];
const timeDescription = 'Milliseconds since the epoch, or an ISO 8601 time';

const RangeQuery = {
  from: Type.Optional(Type.String({ description: `${timeDescription}; default: 24 hours before to` })),
  to: Type.Optional(Type.String({ description: `${timeDescription}; default: now` })),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'Only this version' })),
  alias: Type.Optional(Type.String({ description: 'Only the version this alias points at now' })),
  deployment: Type.Optional(Type.String({ description: 'Only predictions this deployment routed' })),
};

/**
 * Ground truth for predictions (`POST /api/v1/feedback`, also at `/feedback`), a model's
 * performance from it per window and version, and its labelled predictions page by page.
 */
export function registerFeedbackRoutes(app: App, platform: Platform): void {
  const { labels, labelled } = platform.feedback;
  for (const url of ['/api/v1/feedback', '/feedback']) {
    app.post(
      url,
      {
        schema: {
          tags,
          summary:
            'Attach labels to logged predictions: `{labels: [{prediction_id, label}]}` or one `{prediction_id, label}`',
          description:
            'All or nothing: an unknown prediction (404) or a label that does not fit its model (400) ' +
            'stores none of the request, and the error names the label (`labels[3].prediction_id`). ' +
            'Idempotent: the same label again changes nothing; a different one replaces it and bumps its revision.',
          ...(url === '/feedback' ? { hide: true } : {}),
          body: FeedbackBody,
          response: { 200: AttachResultSchema, ...errors },
        },
      },
      async (req) => labels.attach(labelsOf(req.body), { source: req.body.source ?? 'api' }),
    );
  }

  app.get(
    '/api/v1/feedback/:predictionId',
    {
      schema: {
        tags,
        summary: 'The label of one prediction',
        params: Type.Object({ predictionId: Type.String() }),
        response: { 200: FeedbackSchema, ...errors },
      },
    },
    async (req) => labels.get(req.params.predictionId),
  );

  app.get(
    '/api/v1/models/:name/performance',
    {
      schema: {
        tags,
        summary: 'Performance from labelled predictions, per window and version, with label coverage',
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object({
          ...RangeQuery,
          window: Type.Optional(
            Type.String({
              description: 'Window length (15m, 1h, 1d); one window over the range when omitted',
            }),
          ),
          byArm: Type.Optional(Type.Boolean({ description: 'Split by deployment arm too' })),
        }),
        response: { 200: PerformanceReportSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      return platform.performance.report({
        ...(await rangeOf(platform, req.params.name, q)),
        windowMs: q.window === undefined ? undefined : parseWindowLength(q.window, 'window'),
        byArm: q.byArm,
      });
    },
  );

  app.get(
    '/api/v1/models/:name/labelled-predictions',
    {
      schema: {
        tags,
        summary:
          'Predictions that have labels, oldest first, with their inputs: training data for the next version',
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object({
          ...RangeQuery,
          maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
          pageToken: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            predictions: Type.Array(LabelledPredictionSchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const range = await rangeOf(platform, req.params.name, q);
      const to = range.to ?? platform.clock.now();
      const page = await labelled.page(
        { ...range, to, from: range.from ?? to - 86_400_000 },
        q.maxResults,
        q.pageToken,
      );
      return { predictions: page.items, nextPageToken: page.nextPageToken };
    },
  );
}

function labelsOf(body: Static<typeof FeedbackBody>): LabelInput[] {
  const single =
    body.prediction_id !== undefined || body.request_key !== undefined || body.label !== undefined;
  if (body.labels !== undefined && single) {
    throw invalidParameter('labels', 'send either {labels: [...]} or one {prediction_id, label}, not both');
  }
  const items = body.labels ?? (single ? [body] : undefined);
  if (!items) throw invalidParameter('labels', 'labels is missing: send {labels: [{prediction_id, label}]}');
  return items.map((l) => ({
    predictionId: l.prediction_id,
    requestKey: l.request_key,
    model: l.model,
    label: l.label,
  }));
}

async function rangeOf(
  platform: Platform,
  model: string,
  q: { from?: string; to?: string; version?: number; alias?: string; deployment?: string },
): Promise<{ model: string; from?: number; to?: number; version?: number; deployment?: string }> {
  if (q.version !== undefined && q.alias !== undefined) {
    throw invalidParameter('alias', 'give version or alias, not both');
  }
  const version =
    q.alias !== undefined ? (await platform.registry.resolve(`${model}@${q.alias}`)).version : q.version;
  const from = timeOf(q.from, 'from');
  const to = timeOf(q.to, 'to');
  return {
    model,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(q.deployment !== undefined ? { deployment: q.deployment } : {}),
  };
}
