import type { DatasetService } from '../data/datasets.js';
import type { PipelineStore } from '../pipelines/pipeline-store.js';
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
  pipelineRuns: PipelineStore;
}): LineageSources {
  const { registry, runs, predictions, datasets, deployments, pipelineRuns } = deps;
  return {
    prediction: (id) => predictions.get(id),
    // The newest predictions: the ones someone following lineage is asking about.
    predictionsOf: async (model, maxResults) =>
      (await predictions.list({ model, maxResults, newestFirst: true })).items,
    modelVersion: (name, version) => registry.versions.get(name, version),
    searchVersions: (pageToken) => registry.versions.search({ maxResults: 1000, pageToken }),
    resolveVersion: (model, ref) =>
      /^\d+$/.test(ref) ? registry.versions.get(model, Number(ref)) : registry.aliases.getVersion(model, ref),
    run: (id) => runs.get(id),
    pipelineRun: (id) => pipelineRuns.getRun(id),
    dataset: (ref) => datasets.get(ref),
    deployment: (name) => deployments.get(name),
    deployments: () => deployments.list(),
  };
}
