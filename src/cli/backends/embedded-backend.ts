import type { Config } from '../../core/config.js';
import { openTrackingPlatform } from '../../tracking-platform.js';
import type { TrackingBackend } from '../tracking-backend.js';

/** The CLI's operations in-process, on the domain services over the embedded store. */
export async function openEmbeddedBackend(config: Config): Promise<TrackingBackend> {
  const platform = await openTrackingPlatform(config);
  const { experiments, runs, artifacts } = platform.tracking;
  const { registry } = platform;
  return {
    location: config.home,
    experiments: {
      create: async (options) => experiments.get(await experiments.create(options)),
      get: (id) => experiments.get(id),
      getByName: (name) => experiments.getByName(name),
      search: (options) => experiments.search(options),
      rename: async (id, newName) => {
        await experiments.rename(id, newName);
        return experiments.get(id);
      },
      delete: (id) => experiments.delete(id),
      restore: (id) => experiments.restore(id),
      setTag: (id, key, value) => experiments.setTag(id, { key, value }),
      deleteTag: (id, key) => experiments.deleteTag(id, key),
    },
    runs: {
      create: (options) => runs.create(options),
      update: (id, options) => runs.update(id, options),
      uploadArtifact: (id, path, content) => artifacts.putForRun(id, path, content),
      get: (id) => runs.get(id),
      search: (options) => runs.search(options),
      delete: (id) => runs.delete(id),
      restore: (id) => runs.restore(id),
      metricHistory: (id, key, options) => runs.metricHistory(id, key, options),
    },
    models: {
      create: (options) => registry.models.create(options),
      get: (name) => registry.models.get(name),
      search: (options) => registry.models.search(options),
      delete: (name) => registry.models.delete(name),
      createVersion: (name, options) => registry.versions.create({ ...options, name }),
      listVersions: (name, options) => registry.versions.list(name, options),
      deleteVersion: (name, version, options) => registry.versions.delete(name, version, options),
      setAlias: (name, alias, version, options) => registry.aliases.set(name, alias, version, options),
      deleteAlias: (name, alias, options) => registry.aliases.delete(name, alias, options),
      history: (name, options) => registry.aliases.history(name, options),
      resolve: (ref) => registry.resolve(ref),
      convertVersion: (name, version, options) => registry.conversions.convert(name, version, options),
    },
    close: () => platform.close(),
  };
}
