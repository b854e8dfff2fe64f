import type { ModelVersion } from '../registry/types.js';

/** Which runtime serves a registered version, and why: what `mloop models show` tells. */
export interface ServingRuntime {
  /** `onnx`: onnxruntime inside the serving process; `none`: the version cannot be served. */
  runtime: 'onnx' | 'none';
  reason: string;
}

/**
 * The runtime of a version, from what registration found in its files: an ONNX package (mloop's
 * own or MLflow's `onnx` flavor) runs in process; anything else is not served, and the reason
 * is what registration found.
 */
export function servingRuntimeOf(
  version: Pick<ModelVersion, 'status' | 'statusMessage' | 'format'>,
): ServingRuntime {
  if (version.status !== 'READY')
    return {
      runtime: 'none',
      reason: `registration is ${version.status}${version.statusMessage ? `: ${version.statusMessage}` : ''}`,
    };
  if (version.format === 'mlflow-onnx')
    return {
      runtime: 'onnx',
      reason: 'an MLflow model of flavor onnx, run by onnxruntime in the serving process',
    };
  if (version.format === 'mloop-model/v1')
    return { runtime: 'onnx', reason: 'an mloop ONNX package, run by onnxruntime in the serving process' };
  // Registration's message names the flavors found and how to convert the model.
  return { runtime: 'none', reason: version.statusMessage ?? 'the files are not an ONNX model package' };
}
