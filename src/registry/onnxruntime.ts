import type * as OnnxRuntime from 'onnxruntime-node';

let loading: Promise<typeof OnnxRuntime> | undefined;

/**
 * onnxruntime-node, imported on first use: only commands that read or run a model graph load
 * its native binding, so the CLI's other commands start without it. Lives in registry/ because
 * both the registry (reading a graph's signature) and serving (running it) need it.
 */
export function loadOnnxRuntime(): Promise<typeof OnnxRuntime> {
  loading ??= import('onnxruntime-node');
  return loading;
}
