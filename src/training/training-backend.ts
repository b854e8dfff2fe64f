import { existsSync } from 'node:fs';
import { invalidParameter } from '../core/errors.js';
import type { Tag } from '../tracking/types.js';
import {
  fileDataset,
  train,
  type DatasetReference,
  type TrainingServices,
  type TrainRequest,
} from './trainer.js';

/**
 * What training needs from the place its runs are recorded, the embedded store or a server:
 * training itself runs in the caller's process either way, so a pipeline step or a laptop trains
 * and the server it names keeps the run, the model package and the lineage.
 */
export interface TrainingBackend {
  services: TrainingServices;
  /** The id of the experiment with this id or name; a named one is created when missing. */
  experimentId(nameOrId: string): Promise<string>;
  /**
   * A dataset version (`NAME/VERSION`, `NAME@latest`) as a local file and the reference lineage
   * records, once it may be used for training (it passed its dataset's required suite).
   */
  datasetVersion(ref: string): Promise<{ data: string; dataset: DatasetReference }>;
  /** Registers the package at `source` as the next version of `name`, creating the model when missing. */
  register(name: string, source: string): Promise<{ name: string; version: number }>;
}

/**
 * Training data named by the user: a file when one has that name, else a dataset version
 * (`customers/3`, `customers@latest`), whose run then records the version itself.
 */
export async function trainingData(
  backend: TrainingBackend,
  data: string,
): Promise<{ data: string; dataset: DatasetReference }> {
  if (existsSync(data)) return { data, dataset: fileDataset(data) };
  if (!/^[^/@]+([/@][^/@]+)$/.test(data)) {
    throw invalidParameter(
      'data',
      `no file at "${data}": give a CSV, Parquet or JSON file, or a dataset version NAME/VERSION`,
    );
  }
  return backend.datasetVersion(data);
}

/** A training request as a user names things: data by file or version, the experiment by name. */
export interface NamedTrainRequest extends Omit<TrainRequest, 'data' | 'dataset' | 'run'> {
  data: string;
  experiment: string;
  runName?: string;
  /** Tags of the run (say, the code's git commit, or the pipeline run that trains). */
  tags?: Tag[];
}

/** Resolves the names in `request` on `backend` and trains one model as a run there. */
export async function trainOn(backend: TrainingBackend, request: NamedTrainRequest) {
  const { data, experiment, runName, tags, ...rest } = request;
  const experimentId = await backend.experimentId(experiment);
  return train(backend.services, {
    ...rest,
    ...(await trainingData(backend, data)),
    run: { experimentId, ...(runName ? { runName } : {}), ...(tags ? { tags } : {}) },
  });
}
