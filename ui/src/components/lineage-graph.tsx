import { api, seg } from '../api';
import { datasetPath } from '../dataset-ref';
import { Link } from '../router';
import type { Lineage, Run } from '../types';
import { useApi } from '../use-api';

export interface LineageNode {
  id: string;
  kind: 'dataset' | 'code' | 'pipeline' | 'run' | 'model' | 'deployment' | 'prediction';
  label: string;
  /** Dashboard page of the node, when it has one. */
  to?: string;
}

const order: LineageNode['kind'][] = [
  'dataset',
  'code',
  'pipeline',
  'run',
  'model',
  'deployment',
  'prediction',
];
const titles = {
  dataset: 'Data',
  code: 'Code',
  pipeline: 'Pipeline run',
  run: 'Training run',
  model: 'Model version',
  deployment: 'Deployment',
  prediction: 'Predictions',
};
// Not every model has them: a model logged from a notebook has no pipeline, and maybe no commit.
const optionalKinds = new Set<LineageNode['kind']>(['code', 'pipeline']);

/**
 * The loop from data to prediction, left to right: one column per kind, every node linked to its
 * page. Columns are enough here: lineage of one version is a chain with fan-out at both ends.
 */
export function LineageGraph(props: { nodes: LineageNode[] }) {
  const kinds = order.filter((k) => !optionalKinds.has(k) || props.nodes.some((n) => n.kind === k));
  return (
    <div className="lineage" data-testid="lineage-graph">
      {kinds.map((kind, i) => {
        const nodes = props.nodes.filter((n) => n.kind === kind);
        return (
          <div key={kind} className="lineage-column">
            <div className="lineage-title">
              {titles[kind]}
              {i < kinds.length - 1 && <span className="arrow"> →</span>}
            </div>
            {nodes.length === 0 && <div className="muted">none</div>}
            {nodes.map((n) => (
              <div key={n.id} className={`lineage-node ${kind}`}>
                {n.to ? <Link to={n.to}>{n.label}</Link> : n.label}
              </div>
            ))}
          </div>
        );
      })}
    </div>
  );
}

/** The pipeline run that made a training run, from the run's `mloop.pipeline.run` tag. */
export function usePipelineRunOf(runId: string | undefined) {
  return useApi(async () => {
    if (!runId) return undefined;
    const run = await api.get<Run>(`/api/v1/runs/${seg(runId)}`).catch(() => undefined);
    return run?.data.tags.find((t) => t.key === 'mloop.pipeline.run')?.value;
  }, [runId]);
}

/** What a model version came from: its datasets, the code's commit, the pipeline run and the training run. */
export function upstreamNodes(lineage: Lineage, pipelineRunId: string | undefined): LineageNode[] {
  return [
    ...lineage.datasets.map((d) => ({
      id: `d${d.name}${d.digest}`,
      kind: 'dataset' as const,
      label: `${d.name} (${d.digest.slice(0, 10)})`,
      to: datasetPath(d),
    })),
    ...(lineage.git
      ? [
          {
            id: `c${lineage.git.commit}`,
            kind: 'code' as const,
            label: `${lineage.git.commit.slice(0, 10)}${lineage.git.dirty ? ' (dirty)' : ''}`,
          },
        ]
      : []),
    ...(pipelineRunId
      ? [
          {
            id: pipelineRunId,
            kind: 'pipeline' as const,
            label: pipelineRunId.slice(0, 16),
            to: `/pipeline-runs/${seg(pipelineRunId)}`,
          },
        ]
      : []),
    ...(lineage.runId
      ? [
          {
            id: lineage.runId,
            kind: 'run' as const,
            label: lineage.runId.slice(0, 12),
            to: `/runs/${seg(lineage.runId)}`,
          },
        ]
      : []),
  ];
}
