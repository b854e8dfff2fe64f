import { invalidParameter } from '../../core/errors.js';
import type { RegistryService } from '../../registry/registry.js';
import type { ModelVersion } from '../../registry/types.js';
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

function servable(version: ModelVersion): ModelVersion {
  if (version.status !== 'READY' || version.format === undefined) {
    throw invalidParameter(
      'version',
      `version ${version.version} of model '${version.name}' cannot be served: ${version.statusMessage ?? version.status}`,
    );
  }
  return version;
}
