import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { getOrCreate, MloopError } from '../core/errors.js';
import type { DatasetReference, TrainingServices, TrainResult } from '../training/trainer.js';
import type { NamedTrainRequest, TrainingBackend } from '../training/training-backend.js';
import type { MloopClient } from './client.js';

/**
 * mloop's built-in trainers, run in this process, with the run, its dataset input and the model
 * package recorded on the server: a pipeline step on any worker machine, or a laptop, trains
 * against the team's server as `mloop train --url` does.
 */
export class TrainingClient implements TrainingBackend {
  readonly services: TrainingServices;

  constructor(private readonly client: MloopClient) {
    this.services = {
      runs: client.runs,
      artifacts: { putForRun: (runId, path, bytes) => client.runs.uploadArtifact(runId, path, bytes) },
      clock: systemClock,
    };
  }

  /**
   * Trains one model as a run in `experiment` (created when missing) on a local file or a dataset
   * version of the server (downloaded, once it passed its required suite).
   */
  async train(request: NamedTrainRequest): Promise<TrainResult> {
    // The trainers (and DuckDB) load only when something is trained, not with the client.
    const { trainOn } = await import('../training/training-backend.js');
    return trainOn(this, request);
  }

  async experimentId(nameOrId: string): Promise<string> {
    if (/^\d+$/.test(nameOrId)) return (await this.client.experiments.get(nameOrId)).experimentId;
    return (await this.client.getOrCreateExperiment(nameOrId)).experimentId;
  }

  async datasetVersion(ref: string): Promise<{ data: string; dataset: DatasetReference }> {
    const version = await this.client.datasets.get(ref);
    const exact = `${version.name}/${version.version}`;
    const readiness = await this.client.datasetValidations.trainingReadiness(exact);
    if (!readiness.ready) throw new MloopError('INVALID_STATE', readiness.reason);
    // Versions are immutable and named by their digest, so a downloaded copy never goes stale.
    const dir = join(tmpdir(), 'mloop-datasets');
    const path = join(dir, `${version.digest}.${version.format}`);
    const { datasetVersionData } = await import('../training/trainer.js');
    return datasetVersionData(
      {
        localPath: async () => {
          const { bytes } = await this.client.datasets.download(exact);
          mkdirSync(dir, { recursive: true });
          // Written aside and renamed, so a concurrent reader never sees half a file.
          const partial = `${path}.${process.pid}.partial`;
          writeFileSync(partial, bytes);
          renameSync(partial, path);
          return { version, path };
        },
      },
      exact,
    );
  }

  async register(name: string, source: string): Promise<{ name: string; version: number }> {
    const { models } = this.client;
    await getOrCreate(
      () => models.get(name),
      () => models.create({ name }),
    );
    const version = await this.client.models.createVersion(name, { source });
    return { name, version: version.version };
  }
}
