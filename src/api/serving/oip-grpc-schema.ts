import { fromJSON } from '@grpc/proto-loader';

/**
 * The Open Inference Protocol's gRPC service (package `inference`, service `GRPCInferenceService`),
 * written from the protocol's published message definitions (KServe's predict API v2, which
 * Triton's `grpc_service.proto` extends with the same field numbers, so tritonclient speaks it).
 * Kept as a protobufjs descriptor rather than a .proto file so the build ships it as code.
 * `double_param` (4) is Triton's addition to InferParameter; KServe's clients ignore it.
 */
type Descriptor = Parameters<typeof fromJSON>[0];

const str = (id: number) => ({ type: 'string', id });
const bool = (id: number) => ({ type: 'bool', id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const parameters = (id: number) => ({ keyType: 'string', type: 'InferParameter', id });
const method = (name: string) => ({
  requestType: `${name}Request`,
  responseType: `${name}Response`,
  comment: '',
});
const empty = { fields: {} };

const tensor = {
  fields: {
    name: str(1),
    datatype: str(2),
    shape: repeated('int64', 3),
    parameters: parameters(4),
    contents: { type: 'InferTensorContents', id: 5 },
  },
};

export const oipGrpcDescriptor: Descriptor = {
  nested: {
    inference: {
      nested: {
        GRPCInferenceService: {
          methods: Object.fromEntries(
            ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer'].map(
              (name) => [name, method(name)],
            ),
          ),
        },
        ServerLiveRequest: empty,
        ServerLiveResponse: { fields: { live: bool(1) } },
        ServerReadyRequest: empty,
        ServerReadyResponse: { fields: { ready: bool(1) } },
        ModelReadyRequest: { fields: { name: str(1), version: str(2) } },
        ModelReadyResponse: { fields: { ready: bool(1) } },
        ServerMetadataRequest: empty,
        ServerMetadataResponse: {
          fields: { name: str(1), version: str(2), extensions: repeated('string', 3) },
        },
        ModelMetadataRequest: { fields: { name: str(1), version: str(2) } },
        ModelMetadataResponse: {
          fields: {
            name: str(1),
            versions: repeated('string', 2),
            platform: str(3),
            inputs: repeated('TensorMetadata', 4),
            outputs: repeated('TensorMetadata', 5),
          },
          nested: {
            TensorMetadata: { fields: { name: str(1), datatype: str(2), shape: repeated('int64', 3) } },
          },
        },
        ModelInferRequest: {
          fields: {
            model_name: str(1),
            model_version: str(2),
            id: str(3),
            parameters: parameters(4),
            inputs: repeated('InferInputTensor', 5),
            outputs: repeated('InferRequestedOutputTensor', 6),
            raw_input_contents: repeated('bytes', 7),
          },
          nested: {
            InferInputTensor: tensor,
            InferRequestedOutputTensor: { fields: { name: str(1), parameters: parameters(2) } },
          },
        },
        ModelInferResponse: {
          fields: {
            model_name: str(1),
            model_version: str(2),
            id: str(3),
            parameters: parameters(4),
            outputs: repeated('InferOutputTensor', 5),
            raw_output_contents: repeated('bytes', 6),
          },
          nested: { InferOutputTensor: tensor },
        },
        InferParameter: {
          oneofs: {
            parameter_choice: { oneof: ['bool_param', 'int64_param', 'string_param', 'double_param'] },
          },
          fields: {
            bool_param: bool(1),
            int64_param: { type: 'int64', id: 2 },
            string_param: str(3),
            double_param: { type: 'double', id: 4 },
          },
        },
        InferTensorContents: {
          fields: {
            bool_contents: repeated('bool', 1),
            int_contents: repeated('int32', 2),
            int64_contents: repeated('int64', 3),
            uint_contents: repeated('uint32', 4),
            uint64_contents: repeated('uint64', 5),
            fp32_contents: repeated('float', 6),
            fp64_contents: repeated('double', 7),
            bytes_contents: repeated('bytes', 8),
          },
        },
      },
    },
  },
};

/** The service definition grpc-js serves, with snake_case fields as the protocol names them. */
export function oipGrpcPackage(): ReturnType<typeof fromJSON> {
  return fromJSON(oipGrpcDescriptor, {
    keepCase: true,
    longs: Number,
    defaults: true,
    oneofs: true,
  });
}
