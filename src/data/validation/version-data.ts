import type { DatasetService } from '../datasets.js';
import type { ValidationDataAccess } from './validations.js';

/** Dataset versions as validation reads them: the version's number and a path DuckDB reads it from. */
export function versionDataOf(datasets: DatasetService): ValidationDataAccess {
  return {
    version: async (ref) => {
      const { version, path } = await datasets.localPath(ref);
      return { name: version.name, version: version.version, data: { file: path } };
    },
  };
}
