import { attr, type GraphBuilder } from '../onnx/model-builder.js';
import type { GbdtModel } from './model.js';
import type { Tree } from './tree.js';

/**
 * Appends a fitted GBDT to an ONNX graph as one ai.onnx.ml TreeEnsembleRegressor that sums the
 * trees of each raw score onto `base_values`; the link is its `post_transform` SOFTMAX for
 * multiclass, a Sigmoid node for binary. Splits are BRANCH_LEQ on the raw float32 feature values
 * (thresholds are bin edges, already float32), and `nodes_missing_value_tracks_true` sends NaN
 * the way training learned, so the graph decides every row exactly as `predictRaw` does.
 *
 * The regressor rather than TreeEnsembleClassifier: its output is the probability matrix itself,
 * with no label or ZipMap to undo, and the trainer's output head derives the label.
 *
 * Reads `features` (float `[N, width]`); returns float `[N, classes]` probabilities (binary:
 * P(0), P(1)) or float `[N, 1]` values for regression.
 */
export function exportGbdt(graph: GraphBuilder, features: string, model: GbdtModel): string {
  const attributes = ensembleAttributes(model);
  // onnxruntime's TreeEnsembleRegressor applies SOFTMAX but leaves a single target untouched by
  // LOGISTIC, so the binary link is an explicit Sigmoid node.
  const postTransform = model.objective === 'multiclass' ? 'SOFTMAX' : 'NONE';
  const [scores] = graph.node('TreeEnsembleRegressor', [features], ['gbdt_scores'], {
    ...attributes,
    n_targets: attr.int(model.scores),
    aggregate_function: attr.string('SUM'),
    base_values: attr.floats(model.baseline),
    post_transform: attr.string(postTransform),
  });
  if (model.objective !== 'binary') return scores as string;
  // P(1) from the logistic; P(0) = 1 − P(1), side by side as the two class columns.
  const [positive] = graph.node('Sigmoid', [scores as string], ['gbdt_p1']);
  const one = graph.constant('gbdt_one', { type: 'float', dims: [1], values: [1] });
  const [negative] = graph.node('Sub', [one, positive as string], ['gbdt_p0']);
  return graph.node('Concat', [negative as string, positive as string], ['gbdt_probabilities'], {
    axis: attr.int(1),
  })[0] as string;
}

function ensembleAttributes(model: GbdtModel) {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetIds: number[] = [];
  const weights: number[] = [];
  model.trees.forEach((round, iteration) => {
    round.forEach((tree: Tree, k) => {
      const treeId = iteration * model.scores + k;
      for (let node = 0; node < tree.feature.length; node++) {
        const feature = tree.feature[node] as number;
        treeIds.push(treeId);
        nodeIds.push(node);
        if (feature < 0) {
          featureIds.push(0);
          modes.push('LEAF');
          values.push(0);
          trueIds.push(0);
          falseIds.push(0);
          missingTrue.push(0);
          targetTreeIds.push(treeId);
          targetNodeIds.push(node);
          targetIds.push(k);
          weights.push(tree.value[node] as number);
        } else {
          featureIds.push(feature);
          modes.push('BRANCH_LEQ');
          values.push(tree.threshold[node] as number);
          trueIds.push(tree.left[node] as number);
          falseIds.push(tree.right[node] as number);
          missingTrue.push(tree.missingGoesLeft[node] as number);
        }
      }
    });
  });
  return {
    nodes_treeids: attr.ints(treeIds),
    nodes_nodeids: attr.ints(nodeIds),
    nodes_featureids: attr.ints(featureIds),
    nodes_modes: attr.strings(modes),
    nodes_values: attr.floats(values),
    nodes_truenodeids: attr.ints(trueIds),
    nodes_falsenodeids: attr.ints(falseIds),
    nodes_missing_value_tracks_true: attr.ints(missingTrue),
    target_treeids: attr.ints(targetTreeIds),
    target_nodeids: attr.ints(targetNodeIds),
    target_ids: attr.ints(targetIds),
    target_weights: attr.floats(weights),
  };
}
