import type { DatasetService } from '../data/datasets.js';
import type { RegistryService } from '../registry/registry.js';
import type { DeploymentService } from '../serving/deployments/deployments.js';
import type { PredictionLog } from '../serving/prediction-log.js';
import type { RunService } from '../tracking/runs.js';
import type { LineageSources } from './lineage-graph.js';

/** The lineage graph's reads, over the domain services the composition root already built. */
export function lineageSources(deps: {
  registry: RegistryService;
  runs: RunService;
  predictions: PredictionLog;
  datasets: DatasetService;
  deployments: DeploymentService;
}): LineageSources {
  const { registry, runs, predictions, datasets, deployments } = deps;
  return {
    prediction: (id) => predictions.get(id),
    predictionsOf: async (model, maxResults) => (await predictions.list({ model, maxResults })).items,
    modelVersion: (name, version) => registry.versions.get(name, version),
    searchVersions: (pageToken) => registry.versions.search({ maxResults: 1000, pageToken }),
    resolveVersion: (model, ref) =>
      /^\d+$/.test(ref) ? registry.versions.get(model, Number(ref)) : registry.aliases.getVersion(model, ref),
    run: (id) => runs.get(id),
    dataset: (ref) => datasets.get(ref),
    deployment: (name) => deployments.get(name),
    deployments: () => deployments.list(),
  };
}
