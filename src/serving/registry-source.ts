import { readModelPackage } from '../registry/model-package.js';
import type { RegistryService } from '../registry/registry.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import type { ModelSource } from './served-models.js';

/** Serving's view of the registry: references resolve to versions, versions read from the store. */
export function registryModelSource(registry: RegistryService, store: ArtifactStore): ModelSource {
  return {
    async resolve(ref) {
      const version = await registry.resolve(ref);
      return { name: version.name, version: version.version, storagePath: version.storagePath };
    },
    read: (version) => readModelPackage(store, version.storagePath),
  };
}
