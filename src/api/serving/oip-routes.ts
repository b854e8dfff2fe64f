import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { PredictionService } from '../../serving/prediction-service.js';
import { toErrorResponse, withRetryAfter } from '../errors.js';
import type { App } from '../server.js';
import type { ModelAddress } from './model-address.js';
import { oipOutputs, oipRecords, oipSignature, type OipTensor } from './oip-tensors.js';
import { headerValue, requestKeyHeader, setModelHeaders } from './predict-routes.js';
import { OipErrorSchema, OipInferBody, OipInferResponse, OipModelMetadata } from './serving-schemas.js';

const tags = ['open inference protocol'];
const errors = { 400: OipErrorSchema, 404: OipErrorSchema, 503: OipErrorSchema };
const ModelParams = Type.Object({ name: Type.String() });
const VersionParams = Type.Object({ name: Type.String(), version: Type.String() });

export interface OipServerInfo {
  name: string;
  version: string;
}

/**
 * The Open Inference Protocol (KServe V2) over REST: server liveness, readiness and metadata, and
 * per model (optionally per version) metadata, readiness and inference. Errors carry the
 * protocol's `error` message beside mloop's usual `error_code` and `message`.
 */
export function registerOipRoutes(
  app: App,
  predictions: PredictionService,
  address: ModelAddress,
  server: OipServerInfo,
): void {
  void app.register(async (scope: FastifyInstance) => {
    const v2 = scope as unknown as App;
    v2.setErrorHandler((error, request, reply) => {
      const { status, body } = toErrorResponse(error, request);
      return withRetryAfter(error, reply)
        .status(status)
        .type('application/json')
        .send({ error: body.message, ...body });
    });

    v2.get(
      '/v2/health/live',
      {
        schema: {
          tags,
          summary: 'Server liveness',
          response: { 200: Type.Object({ live: Type.Boolean() }) },
        },
      },
      async () => ({ live: true }),
    );
    v2.get(
      '/v2/health/ready',
      {
        schema: {
          tags,
          summary: 'Server readiness',
          response: {
            200: Type.Object({ ready: Type.Boolean() }),
            503: Type.Object({ ready: Type.Boolean() }),
          },
        },
      },
      async (_req, reply) => (address.ready() ? { ready: true } : reply.status(503).send({ ready: false })),
    );
    v2.get(
      '/v2',
      {
        schema: {
          tags,
          summary: 'Server metadata',
          response: {
            200: Type.Object({
              name: Type.String(),
              version: Type.String(),
              extensions: Type.Array(Type.String()),
            }),
          },
        },
      },
      async () => ({ name: server.name, version: server.version, extensions: [] }),
    );

    for (const versioned of [false, true]) {
      const base = versioned ? '/v2/models/:name/versions/:version' : '/v2/models/:name';
      const params = versioned ? VersionParams : ModelParams;
      const refOf = (p: unknown) => {
        const { name, version } = p as { name: string; version?: string };
        return address.refOf(name, { version });
      };

      v2.get(
        base,
        {
          schema: { tags, summary: 'Model metadata', params, response: { 200: OipModelMetadata, ...errors } },
        },
        async (req) => {
          const described = await predictions.describe(refOf(req.params));
          return {
            name: described.model,
            versions: [String(described.version)],
            platform: 'onnxruntime_onnx',
            ...oipSignature(described.signature),
          };
        },
      );

      v2.get(
        `${base}/ready`,
        {
          schema: {
            tags,
            summary: 'Model readiness (loads the model if needed)',
            params,
            response: { 200: Type.Object({ name: Type.String(), ready: Type.Boolean() }), ...errors },
          },
        },
        async (req) => {
          const described = await predictions.describe(refOf(req.params));
          return { name: described.model, ready: true };
        },
      );

      v2.post(
        `${base}/infer`,
        {
          schema: {
            tags,
            summary: 'Inference: one tensor per feature, or the model input tensor',
            params,
            body: OipInferBody,
            response: { 200: OipInferResponse, ...errors },
          },
        },
        async (req, reply) => {
          const body = req.body;
          const result = await predictions.predict({
            ref: refOf(req.params),
            records: (metadata) => oipRecords(body.inputs as OipTensor[], metadata),
            requestKey: headerValue(req.headers[requestKeyHeader]),
          });
          setModelHeaders(reply, result);
          const outputs = oipOutputs(
            result.predictions,
            result.signature,
            body.outputs?.map((o) => o.name),
          );
          return {
            model_name: result.model,
            model_version: String(result.version),
            id: body.id ?? result.requestId,
            parameters: { request_id: result.requestId, prediction_ids: result.predictions.map((p) => p.id) },
            outputs,
          };
        },
      );
    }
  });
}
