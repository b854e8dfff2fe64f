import { describe, expect, it } from 'vitest';
import { servingRuntimeOf } from './serving-runtime.js';

describe('servingRuntimeOf', () => {
  it('serves an ONNX package in process, naming what it is', () => {
    expect(servingRuntimeOf({ status: 'READY', statusMessage: undefined, format: 'mlflow-onnx' })).toEqual({
      runtime: 'onnx',
      reason: 'an MLflow model of flavor onnx, run by onnxruntime in the serving process',
    });
    expect(
      servingRuntimeOf({ status: 'READY', statusMessage: undefined, format: 'mloop-model/v1' }).runtime,
    ).toBe('onnx');
  });

  it('says why another model is not served', () => {
    const none = servingRuntimeOf({
      status: 'READY',
      statusMessage: 'registered, but mloop cannot serve it: MLmodel has no onnx flavor (flavors: sklearn)',
      format: undefined,
    });
    expect(none.runtime).toBe('none');
    expect(none.reason).toMatch(/no onnx flavor \(flavors: sklearn\)/);
    expect(
      servingRuntimeOf({ status: 'FAILED_REGISTRATION', statusMessage: 'files missing', format: undefined }),
    ).toEqual({ runtime: 'none', reason: 'registration is FAILED_REGISTRATION: files missing' });
  });

  it('serves an MLflow model with the python_function flavor and no ONNX in Python workers', () => {
    const files = [{ path: 'MLmodel', size: 10, sha256: 'x' }];
    const statusMessage =
      'registered, but mloop cannot serve it: the MLflow model has no onnx flavor (flavors: python_function, sklearn)';
    expect(servingRuntimeOf({ status: 'READY', statusMessage, format: undefined, files })).toEqual({
      runtime: 'python',
      reason:
        'an MLflow model without an ONNX package (flavors: python_function, sklearn), run by mlflow.pyfunc in Python worker processes',
    });
    const noPyfunc = statusMessage.replace('python_function, ', '');
    expect(
      servingRuntimeOf({ status: 'READY', statusMessage: noPyfunc, format: undefined, files }).runtime,
    ).toBe('none');
  });
});
