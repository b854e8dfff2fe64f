import { isMloopError } from '../core/errors.js';
import type { ExperimentService } from '../tracking/experiments.js';

/**
 * The key an object is assigned to a project under: an experiment's id (named by name, else by
 * id, since experiments are renamed), any other kind's name.
 */
export async function projectObjectKey(
  experiments: Pick<ExperimentService, 'get' | 'getByName'>,
  kind: string,
  name: string,
): Promise<string> {
  if (kind !== 'experiment') return name;
  try {
    return (await experiments.getByName(name)).experimentId;
  } catch (error) {
    if (!isMloopError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    return (await experiments.get(name)).experimentId;
  }
}
