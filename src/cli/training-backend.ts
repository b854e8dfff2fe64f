import { loadConfig } from '../core/config.js';
import { getOrCreate } from '../core/errors.js';
import type { Platform } from '../platform.js';
import { datasetVersionData } from '../training/trainer.js';
import type { TrainingBackend } from '../training/training-backend.js';

/**
 * Runs training work against the server (`--url`, else MLOOP_URL; the token from MLOOP_TOKEN) or
 * the embedded store in ./.mloop. Either way the model is fitted in this process.
 */
export async function withTrainingBackend<T>(
  options: { url?: string | undefined },
  work: (backend: TrainingBackend) => Promise<T>,
): Promise<T> {
  const config = loadConfig(options.url ? { url: options.url } : {});
  if (config.url) {
    const { MloopClient } = await import('../sdk/client.js');
    return work(new MloopClient({ url: config.url }).training);
  }
  // Imported when training starts, so `mloop train --help` does not load every domain.
  const { openPlatform } = await import('../platform.js');
  const platform = await openPlatform(config);
  try {
    return await work(embeddedTrainingBackend(platform));
  } finally {
    await platform.close();
  }
}

function embeddedTrainingBackend(platform: Platform): TrainingBackend {
  const { experiments, runs, artifacts } = platform.tracking;
  return {
    services: { runs, artifacts, clock: platform.clock },
    async experimentId(ref) {
      if (/^\d+$/.test(ref)) return (await experiments.get(ref)).experimentId;
      return getOrCreate(
        async () => (await experiments.getByName(ref)).experimentId,
        () => experiments.create({ name: ref }),
      );
    },
    async datasetVersion(ref) {
      await platform.data.validation.requireValidated(ref);
      return datasetVersionData(platform.data.datasets, ref);
    },
    async register(name, source) {
      const { models } = platform.registry;
      await getOrCreate(
        () => models.get(name),
        () => models.create({ name }),
      );
      const version = await platform.registry.versions.create({ name, source });
      return { name, version: version.version };
    },
  };
}
