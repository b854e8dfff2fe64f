import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { PredictionLog } from '../../serving/prediction-log.js';
import type { App } from '../server.js';
import { ErrorSchema, LoggedPredictionSchema } from './serving-schemas.js';

const tags = ['predictions'];
const errors = { 400: ErrorSchema, 404: ErrorSchema };

/** Reads of the prediction log: one prediction by id, or a time window page by page. */
export function registerPredictionRoutes(app: App, log: PredictionLog): void {
  app.get(
    '/api/v1/predictions/:id',
    {
      schema: {
        tags,
        summary: 'A logged prediction by id',
        params: Type.Object({ id: Type.String() }),
        response: { 200: LoggedPredictionSchema, ...errors },
      },
    },
    async (req) => log.get(req.params.id),
  );

  app.get(
    '/api/v1/predictions',
    {
      schema: {
        tags,
        summary: 'Logged predictions in time order, optionally of one model or deployment, in [from, to)',
        querystring: Type.Object({
          model: Type.Optional(Type.String()),
          deployment: Type.Optional(Type.String()),
          from: Type.Optional(
            Type.String({ description: 'Milliseconds since the epoch, or an ISO 8601 time' }),
          ),
          to: Type.Optional(
            Type.String({ description: 'Milliseconds since the epoch, or an ISO 8601 time' }),
          ),
          maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          pageToken: Type.Optional(Type.String()),
          order: Type.Optional(
            Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
              description: 'asc (default): oldest first; desc: newest first',
            }),
          ),
        }),
        response: {
          200: Type.Object({
            predictions: Type.Array(LoggedPredictionSchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await log.list({
        model: q.model,
        deployment: q.deployment,
        from: timeOf(q.from, 'from'),
        to: timeOf(q.to, 'to'),
        maxResults: q.maxResults,
        pageToken: q.pageToken,
        newestFirst: q.order === 'desc',
      });
      return { predictions: page.items, nextPageToken: page.nextPageToken };
    },
  );
}

/** A query time: milliseconds since the epoch or an ISO 8601 time. */
export function timeOf(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw invalidParameter(
      field,
      `${field} must be milliseconds since the epoch or an ISO 8601 time, got "${value}"`,
    );
  }
  return ms;
}
