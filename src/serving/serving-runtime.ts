import type { ModelVersion } from '../registry/types.js';

/** Which runtime serves a registered version, and why: what `mloop models show` tells. */
export interface ServingRuntime {
  /**
   * `onnx`: onnxruntime inside the serving process; `python`: `mlflow.pyfunc` in supervised Python
   * worker processes; `none`: the version cannot be served.
   */
  runtime: 'onnx' | 'python' | 'none';
  reason: string;
}

/**
 * The runtime of a version, from what registration found in its files: an ONNX package (mloop's
 * own or MLflow's `onnx` flavor, or a conversion) runs in process; an MLflow model with the
 * `python_function` flavor and no ONNX runs in Python workers; anything else is not served, and
 * the reason is what registration found.
 */
export function servingRuntimeOf(
  version: Pick<ModelVersion, 'status' | 'statusMessage' | 'format'> & { files?: ModelVersion['files'] },
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
  const python = pythonFlavor(version);
  if (python !== undefined) return python;
  // Registration's message names the flavors found and how to convert the model.
  return { runtime: 'none', reason: version.statusMessage ?? 'the files are not an ONNX model package' };
}

/**
 * The Python runtime's verdict on an MLflow model without ONNX (its files hold an `MLmodel`):
 * registration's message lists the flavors it found, and serving checks `python_function` again
 * when it loads the model.
 */
function pythonFlavor(
  version: Pick<ModelVersion, 'statusMessage'> & { files?: ModelVersion['files'] },
): ServingRuntime | undefined {
  if (!version.files?.some((f) => f.path === 'MLmodel')) return undefined;
  const listed = /flavors: ([^)]*)\)/.exec(version.statusMessage ?? '')?.[1];
  const flavors = listed?.split(',').map((f) => f.trim());
  if (flavors && !flavors.includes('python_function')) return undefined;
  return {
    runtime: 'python',
    reason: `an MLflow model without an ONNX package${flavors ? ` (flavors: ${flavors.join(', ')})` : ''}, run by mlflow.pyfunc in Python worker processes`,
  };
}
