import type { RegistryService } from '../registry/registry.js';
import type { LoadedModel } from '../training/gates/gate-runner.js';
import { ModelRuntime } from './model-runtime.js';

/**
 * Registry versions loaded into serving's onnxruntime code for evaluation gates, so a gate
 * scores and times a version exactly as a deployment would serve it.
 */
export function scorableVersions(
  registry: RegistryService,
): (name: string, version: number) => Promise<LoadedModel> {
  return async (name, version) => {
    const runtime = await ModelRuntime.load(await registry.versions.readPackage(name, version));
    return {
      task: runtime.metadata.task,
      inputs: runtime.metadata.inputs,
      classLabels: runtime.classLabels,
      predict: (records) => runtime.predict(records),
      release: () => runtime.release(),
    };
  };
}
