import { isMloopError } from '../core/errors.js';
import type { DatasetService } from '../data/datasets.js';
import type { DatasetVersionFiles } from './reference-data.js';

/** The data domain's dataset versions as the files monitoring reads references from. */
export function datasetVersionFiles(datasets: DatasetService): DatasetVersionFiles {
  return {
    fileOf: async (name, version) => (await datasets.localPath(`${name}/${version}`)).path,
    fileOfDigest: async (name, digest) => {
      try {
        return (await datasets.localPath(`${name}@${digest}`)).path;
      } catch (error) {
        // A digest recorded by another tool (MLflow's dataset inputs) is not a stored version.
        if (isMloopError(error)) return undefined;
        throw error;
      }
    },
  };
}
