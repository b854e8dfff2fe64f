import { Link } from '../router';

export interface LineageNode {
  id: string;
  kind: 'dataset' | 'run' | 'model' | 'deployment' | 'prediction';
  label: string;
  /** Dashboard page of the node, when it has one. */
  to?: string;
}

const order: LineageNode['kind'][] = ['dataset', 'run', 'model', 'deployment', 'prediction'];
const titles = {
  dataset: 'Data',
  run: 'Training run',
  model: 'Model version',
  deployment: 'Deployment',
  prediction: 'Predictions',
};

/**
 * The loop from data to prediction, left to right: one column per kind, every node linked to its
 * page. Columns are enough here: lineage of one version is a chain with fan-out at both ends.
 */
export function LineageGraph(props: { nodes: LineageNode[] }) {
  return (
    <div className="lineage" data-testid="lineage-graph">
      {order.map((kind, i) => {
        const nodes = props.nodes.filter((n) => n.kind === kind);
        return (
          <div key={kind} className="lineage-column">
            <div className="lineage-title">
              {titles[kind]}
              {i < order.length - 1 && <span className="arrow"> →</span>}
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
