import type { Config } from '../../core/config.js';
import { openPlatform } from '../../platform.js';
import { datasetVersionInput } from '../../tracking/dataset-version-input.js';
import type { DataBackend } from '../data-backend.js';

/** `mloop data` in-process, on the domain services over the embedded store. */
export async function openEmbeddedDataBackend(config: Config): Promise<DataBackend> {
  const platform = await openPlatform(config);
  const { datasets } = platform.data;
  return {
    location: config.home,
    add: (name, path, options) => datasets.add(name, path, options),
    list: () => datasets.list(),
    listVersions: (name) => datasets.listVersions(name),
    get: (ref) => datasets.get(ref),
    diff: (from, to) => datasets.diff(from, to),
    materialise: (ref, output, format) => datasets.materialise(ref, output, format),
    logToRun: async (runId, ref, context) => {
      const version = await datasets.get(ref);
      await platform.tracking.runs.logInputs(runId, [datasetVersionInput(version, context)]);
      return version;
    },
    close: () => platform.close(),
  };
}
