import { MloopError } from '../../core/errors.js';
import { normalizeArtifactPath } from './artifact-path.js';

/**
 * The artifact-store directory that only the registry writes: registered versions' files are
 * copied here, so what a run's owner can overwrite is never what a version serves.
 */
export const registryRoot = 'registry';

/** Is the store-relative `path` (or a directory above it) registry-owned? */
export function isRegistryOwned(path: string): boolean {
  const normalized = normalizeArtifactPath(path);
  return normalized === registryRoot || normalized.startsWith(`${registryRoot}/`);
}

/** Refuses a write or delete of registry-owned files through any other way than the registry. */
export function refuseRegistryOwned(path: string, verb: 'write' | 'delete'): void {
  if (isRegistryOwned(path))
    throw new MloopError(
      'PERMISSION_DENIED',
      `'${normalizeArtifactPath(path)}' holds a registered model version's files, which cannot be changed: cannot ${verb} it; register a new version instead`,
    );
}
