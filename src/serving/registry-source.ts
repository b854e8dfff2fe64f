import type { RegistryService } from '../registry/registry.js';
import type { ModelSource } from './served-models.js';

/**
 * Serving's view of the registry: references resolve to versions, and versions load only when
 * their files are still the registered ones.
 */
export function registryModelSource(registry: RegistryService): ModelSource {
  return {
    async resolve(ref) {
      const version = await registry.resolve(ref);
      return { name: version.name, version: version.version, storagePath: version.storagePath };
    },
    read: (version) => registry.versions.readPackage(version.name, version.version),
  };
}
