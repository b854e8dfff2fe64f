import { invalidParameter } from '../../core/errors.js';
import type { RegistryService } from '../../registry/registry.js';
import type { ModelVersion } from '../../registry/types.js';
import { servingRuntimeOf } from '../serving-runtime.js';
import type { ModelVersions } from './model-versions.js';
import { isVersionNumber } from './validation.js';

/** Who moves an alias when a rollout completes, in the registry's promotion history. */
export const rolloutActor = 'mloop-rollout';

/** Deployments' view of the registry: references resolve to servable versions; aliases move. */
export function registryModelVersions(registry: RegistryService): ModelVersions {
  return {
    async resolve(model, ref) {
      const version = isVersionNumber(ref)
        ? await registry.versions.get(model, Number(ref))
        : await registry.aliases.getVersion(model, ref);
      return servable(version).version;
    },
    async moveAlias(model, alias, version, reason) {
      await registry.aliases.set(model, alias, version, { actor: rolloutActor, reason });
    },
    promotionBlock: (model, alias, version) => registry.aliases.promotionBlock(model, alias, version),
  };
}

/** A version either runtime serves (onnxruntime, or Python workers for an MLflow pyfunc model). */
function servable(version: ModelVersion): ModelVersion {
  const { runtime, reason } = servingRuntimeOf(version);
  if (runtime === 'none') {
    throw invalidParameter(
      'version',
      `version ${version.version} of model '${version.name}' cannot be served: ${version.status === 'READY' ? reason : (version.statusMessage ?? version.status)}`,
    );
  }
  return version;
}
