import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MloopError } from '../../core/errors.js';
import type { PredictionService } from '../../serving/prediction-service.js';
import { contentTypeOf, refuseOtherTypes } from '../body-types.js';
import { toErrorResponse, withRetryAfter } from '../errors.js';
import type { App } from '../server.js';
import type { ModelAddress } from './model-address.js';
import { BINARY_HEADER, decodeInferBody, encodeInferResponse, readBody, wantsBinary } from './oip-binary.js';
import {
  OIP_EXTENSIONS,
  oipInfer,
  oipModelConfig,
  oipModelMetadata,
  type OipInferRequest,
} from './oip-data-plane.js';
import { headerValue, requestKeyHeader, setModelHeaders } from './predict-routes.js';
import { OipErrorSchema, OipInferBody, OipInferResponse, OipModelMetadata } from './serving-schemas.js';

const tags = ['open inference protocol'];
const errors = { 400: OipErrorSchema, 404: OipErrorSchema, 503: OipErrorSchema };
const ModelParams = Type.Object({ name: Type.String() });
const VersionParams = Type.Object({ name: Type.String(), version: Type.String() });
/**
 * tritonclient sends its JSON without a Content-Type, and binary tensors as
 * application/octet-stream (or again no type) behind `Inference-Header-Content-Length`.
 */
const INFER_BODY_TYPES = ['', 'application/json', 'application/octet-stream'];

/**
 * An infer request without binary tensors is JSON, held to the JSON body limit; only binary
 * tensors (octet-stream, or the binary header without a type) may be as large as an upload.
 */
const sendsJsonTensors = (request: FastifyRequest): boolean =>
  contentTypeOf(request) !== 'application/octet-stream' && request.headers[BINARY_HEADER] === undefined;

/** A body the JSON parser did not read (no type, octet-stream) as the JSON request it carries. */
async function decodeRawInferBody(request: FastifyRequest): Promise<void> {
  await refuseOtherTypes(request);
  const body = request.body as Readable | undefined;
  if (body === undefined || typeof (body as { pipe?: unknown }).pipe !== 'function') return;
  request.body = decodeInferBody(await readBody(body), headerValue(request.headers[BINARY_HEADER]));
}

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
      async () => ({ name: server.name, version: server.version, extensions: OIP_EXTENSIONS }),
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
        async (req) => oipModelMetadata(predictions, refOf(req.params)),
      );

      v2.get(
        `${base}/config`,
        {
          schema: {
            tags,
            summary: 'Model configuration, as Triton describes it (model_configuration extension)',
            params,
            response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errors },
          },
        },
        async (req) => oipModelConfig(predictions, refOf(req.params)),
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
          config: { bodyTypes: INFER_BODY_TYPES, jsonBody: sendsJsonTensors },
          preValidation: async (req) => decodeRawInferBody(req),
          schema: {
            tags,
            summary: 'Inference: one tensor per feature, or the model input tensor',
            description:
              'JSON, or JSON followed by binary tensors (Inference-Header-Content-Length, Triton binary data extension)',
            params,
            body: OipInferBody,
            response: { 200: OipInferResponse, ...errors },
          },
        },
        async (req, reply) => {
          const body = req.body as OipInferRequest;
          const { answer, result } = await oipInfer(
            predictions,
            refOf(req.params),
            body,
            headerValue(req.headers[requestKeyHeader]),
          );
          setModelHeaders(reply, result);
          const binary = encodeInferResponse(answer, (name) => wantsBinary(name, body));
          if (!binary) return answer;
          return (
            reply
              .header(BINARY_HEADER, String(binary.headerLength))
              .type('application/octet-stream')
              // Bytes bypass the response schema's serializer: the JSON part was written above.
              .send(binary.body as never)
          );
        },
      );
    }

    // Unknown /v2 routes (and the extensions server metadata does not list: repository index,
    // statistics, shared memory...) answer the protocol's error body too, from this prefix's
    // not-found handler: like any unknown route, nothing to authorize or document.
    void v2.register(
      async (unknown: FastifyInstance) => {
        unknown.setNotFoundHandler(async (req) => {
          throw new MloopError(
            'ENDPOINT_NOT_FOUND',
            `No route for ${req.method} ${req.url.split('?')[0]}; this server's extensions are ${OIP_EXTENSIONS.join(', ')}`,
          );
        });
        // The dashboard's GET /* would take unknown GETs to the app's 404, which lacks `error`:
        // this more specific route hands them to the handler above.
        unknown.get('/*', { schema: { hide: true }, config: { action: 'public' } }, (_req, reply) =>
          reply.callNotFound(),
        );
      },
      { prefix: '/v2' },
    );
  });
}
