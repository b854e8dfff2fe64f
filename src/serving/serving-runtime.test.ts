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
});
