import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { invalidParameter, MloopError } from '../../core/errors.js';
import type {
  DeploymentPredictor,
  DeploymentPredictResult,
} from '../../serving/deployments/deployment-predictor.js';
import type { App } from '../server.js';
import { invocationRecords, type InvocationBody } from '../serving/invocation-formats.js';
import { headerValue, requestKeyHeader, setModelHeaders } from '../serving/predict-routes.js';
import {
  ErrorSchema,
  InvocationsBody,
  InvocationsResponse,
  PredictBody,
  PredictResponse,
} from '../serving/serving-schemas.js';

const base = '/api/v1/deployments/:name';
const tags = ['deployments'];
const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema };
const NameParam = Type.Object({ name: Type.String() });
const RoutedFields = {
  deployment: Type.String(),
  arm: Type.Union([Type.Literal('primary'), Type.Literal('candidate')], {
    description: 'The arm that answered',
  }),
  fell_back: Type.Boolean({ description: 'The candidate was chosen but failed; the primary answered' }),
};

/**
 * Inference through a deployment: the same request bodies and answers as the model routes
 * (`/api/v1/serving/{model}/predict`, `/invocations`), plus the deployment and the arm that
 * answered. The request key (`key` in the body, or the `x-mloop-request-key` header) keeps an
 * A/B caller on one arm.
 */
export function registerDeploymentPredictRoutes(app: App, predictor: DeploymentPredictor | undefined): void {
  const requirePredictor = (): DeploymentPredictor => {
    if (!predictor) throw new MloopError('TEMPORARILY_UNAVAILABLE', 'this server does not serve models');
    return predictor;
  };

  app.post(
    `${base}/predict`,
    {
      schema: {
        tags,
        summary: 'Score records through a deployment (canary, shadow or A/B routing)',
        params: NameParam,
        body: PredictBody,
        response: { 200: Type.Object({ ...PredictResponse.properties, ...RoutedFields }), ...errors },
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
      const result = await requirePredictor().predict(req.params.name, {
        records: body.records ?? [body.record],
        key: body.key ?? headerValue(req.headers[requestKeyHeader]),
      });
      setRoutedHeaders(reply, result);
      return {
        request_id: result.requestId,
        model_name: result.model,
        model_version: String(result.version),
        predictions: result.predictions,
        ...routed(result),
      };
    },
  );

  app.post(
    `${base}/invocations`,
    {
      config: { bodyTypes: ['application/json', 'text/csv'] },
      schema: {
        tags,
        summary: "Score records in MLflow's scoring formats through a deployment",
        params: NameParam,
        body: InvocationsBody,
        response: { 200: Type.Object({ ...InvocationsResponse.properties, ...RoutedFields }), ...errors },
      },
    },
    async (req, reply) => {
      const result = await requirePredictor().predict(req.params.name, {
        records: invocationRecords(req.body as InvocationBody),
        key: headerValue(req.headers[requestKeyHeader]),
      });
      setRoutedHeaders(reply, result);
      const hasProbabilities = result.predictions.some((p) => p.probabilities);
      return {
        predictions: result.predictions.map((p) => p.label ?? p.value ?? null),
        ...(hasProbabilities ? { probabilities: result.predictions.map((p) => p.probabilities ?? {}) } : {}),
        prediction_ids: result.predictions.map((p) => p.id),
        request_id: result.requestId,
        model_name: result.model,
        model_version: String(result.version),
        ...routed(result),
      };
    },
  );
}

function routed(result: DeploymentPredictResult) {
  return { deployment: result.deployment, arm: result.arm, fell_back: result.fellBack };
}

function setRoutedHeaders(reply: FastifyReply, result: DeploymentPredictResult): void {
  setModelHeaders(reply, result);
  reply.header('x-mloop-deployment-arm', result.arm);
}
