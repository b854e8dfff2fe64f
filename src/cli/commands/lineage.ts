import type { Command } from 'commander';
import type { LineageGraph } from '../../governance/lineage-graph.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { withGovernance } from '../governance-backend.js';

/** `mloop lineage KIND ID`: where a prediction, model version, run, dataset or deployment came from and went. */
export function registerLineageCommand(program: Command): void {
  trackingCommand(
    program
      .command('lineage')
      .argument('<kind>', 'prediction, model-version, run, dataset or deployment')
      .argument(
        '<id>',
        'its id: a prediction id, NAME/VERSION, a run id, NAME/VERSION or digest, a deployment name',
      )
      .description(
        'Walk lineage: a prediction to its model version, run, code, parameters and data, and back',
      ),
    [
      'mloop lineage prediction pred_3f9a…',
      'mloop lineage model-version churn/3 --json',
      'mloop lineage dataset customers/4        # which models and predictions used it',
    ],
  ).action(async (kind: string, id: string, opts: CommonOptions) => {
    await withGovernance(opts, async (ops) => {
      const graph = await ops.lineage(kind, id);
      if (opts.json) return printJson(graph);
      print(render(graph));
    });
  });
}

/** One line per edge, grouped under the node it leaves, the root first. */
function render(graph: LineageGraph): string {
  const lines = [`${graph.root}`];
  const byFrom = new Map<string, string[]>();
  for (const e of graph.edges)
    byFrom.set(e.from, [...(byFrom.get(e.from) ?? []), `${e.relation} -> ${e.to}`]);
  const order = [graph.root, ...[...byFrom.keys()].filter((k) => k !== graph.root)];
  for (const from of order) {
    const out = byFrom.get(from);
    if (!out) continue;
    if (from !== graph.root) lines.push(from);
    for (const line of out) lines.push(`  ${line}`);
  }
  const run = graph.nodes.find((n) => n.kind === 'run' && n.attributes.params);
  if (run) lines.push(`parameters of ${run.id}: ${JSON.stringify(run.attributes.params)}`);
  return lines.join('\n');
}
