import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { PredictResult, PredictionService } from '../../serving/prediction-service.js';
import type { App } from '../server.js';
import { csvTableKey, parseCsv } from './csv-body.js';
import { invocationRecords, type InvocationBody } from './invocation-formats.js';
import type { ModelAddress } from './model-address.js';
import {
  ErrorSchema,
  InvocationsBody,
  InvocationsResponse,
  PredictBody,
  PredictResponse,
  VersionQuery,
} from './serving-schemas.js';

const tags = ['serving'];
const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema };
export const requestKeyHeader = 'x-mloop-request-key';

/**
 * `POST {prefix}/predict` (named-feature records) and `POST {prefix}/invocations` (MLflow's
 * scoring formats). Every answer names the model version that scored it, in the body and in the
 * `x-mloop-model-version` header, and gives each record a prediction id.
 */
export function registerPredictRoutes(app: App, predictions: PredictionService, address: ModelAddress): void {
  const params = address.prefix.includes(':name') ? { params: Type.Object({ name: Type.String() }) } : {};
  const nameOf = (p: unknown) => (p as { name?: string } | undefined)?.name;
  // MLflow's scoring servers take CSV at /invocations; both servers register these routes once.
  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, { [csvTableKey]: parseCsv(body as string) });
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  }

  app.post(
    `${address.prefix}/predict`,
    {
      config: { action: 'predict' },
      schema: {
        tags,
        summary: 'Score records with named features',
        description:
          'Send `records` (or one `record`), each feature name → value. Each prediction has an id under which the prediction log keeps it.',
        ...params,
        querystring: VersionQuery,
        body: PredictBody,
        response: { 200: PredictResponse, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if ((body.records === undefined) === (body.record === undefined)) {
        throw invalidParameter(
          'records',
          'send either records (a list) or record (one), not both or neither',
        );
      }
      const result = await predictions.predict({
        ref: address.refOf(nameOf(req.params), req.query),
        records: body.records ?? [body.record],
        requestKey: body.key ?? headerValue(req.headers[requestKeyHeader]),
      });
      setModelHeaders(reply, result);
      return {
        request_id: result.requestId,
        model_name: result.model,
        model_version: String(result.version),
        predictions: result.predictions,
      };
    },
  );

  app.post(
    `${address.prefix}/invocations`,
    {
      config: { action: 'predict', bodyTypes: ['application/json', 'text/csv'] },
      schema: {
        tags,
        summary: "Score records sent in MLflow's scoring formats",
        description:
          'Accepts `dataframe_split`, `dataframe_records`, `instances` or `inputs`, or a `text/csv` body (header row = column names), as MLflow model servers do.',
        ...params,
        querystring: VersionQuery,
        body: InvocationsBody,
        response: { 200: InvocationsResponse, ...errors },
      },
    },
    async (req, reply) => {
      const result = await predictions.predict({
        ref: address.refOf(nameOf(req.params), req.query),
        records: invocationRecords(req.body as InvocationBody),
        requestKey: headerValue(req.headers[requestKeyHeader]),
      });
      setModelHeaders(reply, result);
      const hasProbabilities = result.predictions.some((p) => p.probabilities);
      return {
        predictions: result.predictions.map((p) => p.label ?? p.value ?? null),
        ...(hasProbabilities ? { probabilities: result.predictions.map((p) => p.probabilities ?? {}) } : {}),
        prediction_ids: result.predictions.map((p) => p.id),
        request_id: result.requestId,
        model_name: result.model,
        model_version: String(result.version),
      };
    },
  );
}

/** The headers every inference answer carries. */
export function setModelHeaders(reply: FastifyReply, result: PredictResult): void {
  // Encoded: a model name may hold characters a header cannot.
  reply.header('x-mloop-model-name', encodeURIComponent(result.model));
  reply.header('x-mloop-model-version', String(result.version));
  reply.header('x-mloop-request-id', result.requestId);
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
