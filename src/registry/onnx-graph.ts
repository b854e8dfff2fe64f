import type { InferenceSession } from 'onnxruntime-node';
import type { FeatureType } from './model-metadata.js';
import { loadOnnxRuntime } from './onnxruntime.js';

/** One input or output of an ONNX graph, as onnxruntime reports it. */
export interface GraphValue {
  name: string;
  /** Element type for tensors; undefined for non-tensors (a ZipMap's sequence of maps). */
  type: string | undefined;
  /** Dimensions; a string for a symbolic one (`N`), -1 when unknown. */
  shape: Array<number | string>;
}

export interface GraphSignature {
  inputs: GraphValue[];
  outputs: GraphValue[];
}

/**
 * Loads the model in onnxruntime to check that it is a valid graph and to read its inputs and
 * outputs; the session is released at once (serving loads its own).
 */
export async function readGraphSignature(onnx: Uint8Array): Promise<GraphSignature> {
  const { InferenceSession } = await loadOnnxRuntime();
  const session = await InferenceSession.create(onnx);
  try {
    const values = (metadata: readonly InferenceSession.ValueMetadata[]): GraphValue[] =>
      metadata.map((m) => ({
        name: m.name,
        type: m.isTensor ? m.type : undefined,
        shape: m.isTensor ? [...m.shape] : [],
      }));
    return { inputs: values(session.inputMetadata), outputs: values(session.outputMetadata) };
  } finally {
    await session.release();
  }
}

const featureTypes: ReadonlySet<string> = new Set(['float32', 'float64', 'int32', 'int64', 'string', 'bool']);

/** An ONNX element type as a feature type, or undefined when mloop cannot feed it. */
export function featureTypeOf(onnxType: string | undefined): FeatureType | undefined {
  return onnxType !== undefined && featureTypes.has(onnxType) ? (onnxType as FeatureType) : undefined;
}
