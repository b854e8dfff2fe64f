import * as grpc from '@grpc/grpc-js';
import { invalidParameter, isMloopError } from '../../core/errors.js';
import type { Action } from '../../governance/roles.js';
import type { PredictionService } from '../../serving/prediction-service.js';
import type { ModelAddress } from './model-address.js';
import type { GrpcAccessCheck } from './oip-grpc-access.js';
import { tensorBytes, tensorValues } from './oip-binary.js';
import { OIP_EXTENSIONS, oipInfer, oipModelMetadata, type OipInferRequest } from './oip-data-plane.js';
import { oipGrpcPackage } from './oip-grpc-schema.js';
import type { OipServerInfo } from './oip-routes.js';
import type { OipTensor } from './oip-tensors.js';

/** An InferParameter as grpc-js hands it over (oneofs: the set field's name in parameter_choice). */
interface GrpcParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param';
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  double_param?: number;
}
type GrpcParameters = Record<string, GrpcParameter>;
type Contents = Record<string, unknown[]>;

interface GrpcTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: GrpcParameters;
  contents?: Contents | null;
}

interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: GrpcParameters;
  inputs: GrpcTensor[];
  outputs: Array<{ name: string; parameters?: GrpcParameters }>;
  raw_input_contents: Buffer[];
}

/** Where each datatype's elements sit in InferTensorContents when they are not raw bytes. */
const contentsField: Record<string, string> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function fromParameters(parameters: GrpcParameters | undefined): Record<string, unknown> | undefined {
  if (!parameters || Object.keys(parameters).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(parameters).map(([key, p]) => [
      key,
      p.parameter_choice ? p[p.parameter_choice] : undefined,
    ]),
  );
}

/** Protocol parameters hold scalars only: lists (class labels, prediction ids) travel as JSON text. */
function toParameters(values: Record<string, unknown> | undefined): GrpcParameters {
  const out: GrpcParameters = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (typeof value === 'boolean') out[key] = { bool_param: value };
    else if (typeof value === 'number')
      out[key] = Number.isInteger(value) ? { int64_param: value } : { double_param: value };
    else if (typeof value === 'string') out[key] = { string_param: value };
    else if (value !== undefined) out[key] = { string_param: JSON.stringify(value) };
  }
  return out;
}

/** The request as the REST route sees it: each input's elements from raw bytes or typed contents. */
function toInferRequest(request: GrpcInferRequest): OipInferRequest {
  const raw = request.raw_input_contents;
  if (raw.length > 0 && raw.length !== request.inputs.length)
    throw invalidParameter(
      'raw_input_contents',
      `raw_input_contents has ${raw.length} entries for ${request.inputs.length} inputs`,
    );
  const inputs: OipTensor[] = request.inputs.map((tensor, i) => {
    const bytes = raw[i];
    const field = contentsField[tensor.datatype];
    let data: unknown[];
    if (bytes !== undefined) data = tensorValues(tensor.datatype, bytes, `inputs[${i}].datatype`);
    else if (field)
      data = (tensor.contents?.[field] ?? []).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
    else throw invalidParameter(`inputs[${i}].datatype`, `datatype ${tensor.datatype} is not supported`);
    const parameters = fromParameters(tensor.parameters);
    return {
      name: tensor.name,
      datatype: tensor.datatype,
      shape: tensor.shape.map(Number),
      data,
      ...(parameters ? { parameters } : {}),
    };
  });
  return {
    ...(request.id ? { id: request.id } : {}),
    inputs,
    ...(request.outputs.length > 0
      ? {
          outputs: request.outputs.map((o) => ({
            name: o.name,
            parameters: fromParameters(o.parameters) ?? {},
          })),
        }
      : {}),
    parameters: fromParameters(request.parameters),
  };
}

/** gRPC's status for an mloop error, by the HTTP status the error carries. */
function grpcStatusOf(status: number): grpc.status {
  if (status === 400) return grpc.status.INVALID_ARGUMENT;
  if (status === 401) return grpc.status.UNAUTHENTICATED;
  if (status === 403) return grpc.status.PERMISSION_DENIED;
  if (status === 404) return grpc.status.NOT_FOUND;
  if (status === 413 || status === 429) return grpc.status.RESOURCE_EXHAUSTED;
  if (status === 503) return grpc.status.UNAVAILABLE;
  return grpc.status.INTERNAL;
}

/** A unary handler answering the data plane's result, or its error as a gRPC status. */
function unary<Req, Res>(
  answer: (request: Req, metadata: grpc.Metadata) => Promise<Res>,
  onInternal: (error: unknown) => void,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    answer(call.request, call.metadata).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (isMloopError(error))
          return callback({ code: grpcStatusOf(error.status), details: error.message });
        onInternal(error);
        callback({
          code: grpc.status.INTERNAL,
          details: 'Internal server error; see the server log for details',
        });
      },
    );
  };
}

export interface OipGrpcServer {
  /** The port it listens on (the one picked when 0 was asked). */
  port: number;
  close(): Promise<void>;
}

/**
 * The Open Inference Protocol over gRPC on `host:port`, answering from the same data plane as
 * the REST routes: ServerLive, ServerReady, ModelReady, ServerMetadata, ModelMetadata and
 * ModelInfer (outputs as raw bytes, as Triton answers). Without TLS, like the HTTP listener.
 */
export async function listenOipGrpc(
  predictions: PredictionService,
  address: ModelAddress,
  info: OipServerInfo,
  options: {
    host: string;
    port: number;
    access: GrpcAccessCheck;
    /** Largest message received, as the HTTP listener's body limit (grpc-js's default is 4 MB). */
    maxMessageBytes: number;
    onInternalError: (error: unknown) => void;
  },
): Promise<OipGrpcServer> {
  const { inference } = grpc.loadPackageDefinition(oipGrpcPackage()) as unknown as {
    inference: { GRPCInferenceService: { service: grpc.ServiceDefinition } };
  };
  const refOf = (name: string, version: string) => address.refOf(name, { version });
  // Each call is checked as its HTTP route is: the action, in the project of the model it names.
  const handle = <Req, Res>(
    action: Action,
    answer: (request: Req, metadata: grpc.Metadata) => Promise<Res>,
    modelOf: (request: Req) => string | undefined = () => undefined,
  ) =>
    unary<Req, Res>(async (request, metadata) => {
      const authorization = metadata.get('authorization')[0];
      await options.access(
        authorization === undefined ? undefined : String(authorization),
        action,
        modelOf(request),
      );
      return answer(request, metadata);
    }, options.onInternalError);
  const named = (req: { name: string }) => req.name;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': options.maxMessageBytes });
  server.addService(inference.GRPCInferenceService.service, {
    ServerLive: handle('public', async () => ({ live: true })),
    ServerReady: handle('public', async () => ({ ready: address.ready() })),
    ServerMetadata: handle('models.read', async () => ({ ...info, extensions: OIP_EXTENSIONS })),
    ModelReady: handle(
      'models.read',
      async (req: { name: string; version: string }) => {
        await predictions.describe(refOf(req.name, req.version));
        return { ready: true };
      },
      named,
    ),
    ModelMetadata: handle(
      'models.read',
      async (req: { name: string; version: string }) =>
        oipModelMetadata(predictions, refOf(req.name, req.version)),
      named,
    ),
    ModelInfer: handle(
      'predict',
      async (req: GrpcInferRequest, metadata: grpc.Metadata) => {
        const requestKey = metadata.get('x-mloop-request-key')[0];
        const { answer } = await oipInfer(
          predictions,
          refOf(req.model_name, req.model_version),
          toInferRequest(req),
          requestKey === undefined ? undefined : String(requestKey),
        );
        return {
          model_name: answer.model_name,
          model_version: answer.model_version,
          id: answer.id,
          parameters: toParameters(answer.parameters),
          outputs: answer.outputs.map(({ data: _data, parameters, ...tensor }) => ({
            ...tensor,
            parameters: toParameters(parameters),
          })),
          raw_output_contents: answer.outputs.map((o) => tensorBytes(o.datatype, o.data)),
        };
      },
      (req) => req.model_name,
    ),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host}:${options.port}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // In-flight calls finish; a client that stays connected is cut after a grace period.
        const timer = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
