import type { PredictionService, PredictResult } from '../../serving/prediction-service.js';
import {
  oipOutputs,
  oipRecords,
  oipSignature,
  type OipTensor,
  type OipTensorMetadata,
} from './oip-tensors.js';

/**
 * The Open Inference Protocol's operations on the prediction service, in the protocol's own
 * shapes: REST and gRPC both translate to these, so one data plane answers either transport.
 */
export interface OipInferRequest {
  id?: string | undefined;
  inputs: OipTensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> }> | undefined;
  parameters?: Record<string, unknown> | undefined;
}

export interface OipInferAnswer {
  model_name: string;
  model_version: string;
  id: string;
  parameters: { request_id: string; prediction_ids: string[] };
  outputs: OipTensor[];
}

export interface OipModelMetadataAnswer {
  name: string;
  versions: string[];
  platform: string;
  inputs: OipTensorMetadata[];
  outputs: OipTensorMetadata[];
}

/** The extensions this server speaks, as server metadata lists them (Triton's names). */
export const OIP_EXTENSIONS = ['binary_tensor_data', 'model_configuration'];

/** A model's name, version, platform and tensors (loads the model if needed). */
export async function oipModelMetadata(
  predictions: PredictionService,
  ref: string,
): Promise<OipModelMetadataAnswer> {
  const described = await predictions.describe(ref);
  return {
    name: described.model,
    versions: [String(described.version)],
    // A model the Python runtime serves is no ONNX graph: Triton's name for a Python backend.
    platform: described.signature.metadata.format === 'mlflow-pyfunc' ? 'python' : 'onnxruntime_onnx',
    ...oipSignature(described.signature),
  };
}

/**
 * The model configuration Triton's clients read (`model_configuration` extension): the metadata's
 * tensors with Triton's `TYPE_*` names; a batch dimension (-1) is the leading `max_batch_size` one.
 */
export async function oipModelConfig(
  predictions: PredictionService,
  ref: string,
): Promise<Record<string, unknown>> {
  const metadata = await oipModelMetadata(predictions, ref);
  const tensor = (t: OipTensorMetadata) => ({
    name: t.name,
    data_type: `TYPE_${t.datatype === 'BYTES' ? 'STRING' : t.datatype}`,
    dims: t.shape.slice(1),
  });
  return {
    name: metadata.name,
    platform: metadata.platform,
    backend: metadata.platform === 'python' ? 'python' : 'onnxruntime',
    max_batch_size: 0,
    input: metadata.inputs.map(tensor),
    output: metadata.outputs.map(tensor),
  };
}

/** Scores the request's input tensors and answers the requested (or all) output tensors. */
export async function oipInfer(
  predictions: PredictionService,
  ref: string,
  request: OipInferRequest,
  requestKey: string | undefined,
): Promise<{ answer: OipInferAnswer; result: PredictResult }> {
  const result = await predictions.predict({
    ref,
    records: (metadata) => oipRecords(request.inputs, metadata),
    requestKey,
  });
  const outputs = oipOutputs(
    result.predictions,
    result.signature,
    request.outputs?.map((o) => o.name),
  );
  return {
    result,
    answer: {
      model_name: result.model,
      model_version: String(result.version),
      id: request.id ?? result.requestId,
      parameters: { request_id: result.requestId, prediction_ids: result.predictions.map((p) => p.id) },
      outputs,
    },
  };
}
