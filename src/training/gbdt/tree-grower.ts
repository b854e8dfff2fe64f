import type { BinMapper } from './binning.js';
import { subtractHistogram, type HistogramBuilder, type HistogramInputs } from './histogram.js';
import {
  findBestSplit,
  leafValue,
  type NodeSums,
  type SplitConstraints,
  type SplitInfo,
} from './split-finder.js';
import type { Tree } from './tree.js';

export interface GrowerOptions extends SplitConstraints {
  maxLeafNodes: number;
  /** Edges from the root to the deepest leaf; undefined for no limit. */
  maxDepth: number | undefined;
  learningRate: number;
}

/** Rows `indices[start..end)` of a grown tree's leaf, and the value added to their raw score. */
export interface LeafRows {
  start: number;
  end: number;
  value: number;
}

interface GrowingNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  sums: NodeSums;
  hist: Float64Array | undefined;
  split: SplitInfo | undefined;
}

/**
 * Grows trees leaf-wise, as scikit-learn's TreeGrower does: the splittable node with the largest
 * gain is split next, until `maxLeafNodes` leaves, with `maxDepth` and `minSamplesLeaf` as
 * limits. A node's rows are a range of one index array, partitioned in place at each split; of
 * two children only the smaller gets its histogram built, the larger is parent − smaller.
 * Buffers are allocated once and reused across the trees of a fit.
 */
export class TreeGrower {
  /** Row indices, grouped by node; after `grow()`, each leaf's rows are a range of it. */
  readonly indices: Uint32Array;
  private readonly spare: Uint32Array;
  private readonly histPool: Float64Array[] = [];

  constructor(
    private readonly inputs: HistogramInputs,
    private readonly mapper: BinMapper,
    private readonly options: GrowerOptions,
    private readonly histograms: HistogramBuilder,
  ) {
    this.indices = new Uint32Array(inputs.rows);
    this.spare = new Uint32Array(inputs.rows);
  }

  /** Grows one tree on the current gradients and hessians of `inputs`. */
  grow(): { tree: Tree; leaves: LeafRows[] } {
    const { rows, gradients, hessians } = this.inputs;
    for (let i = 0; i < rows; i++) this.indices[i] = i;
    let sumG = 0;
    let sumH = 0;
    for (let i = 0; i < rows; i++) {
      sumG += gradients[i] as number;
      sumH += hessians[i] as number;
    }
    const nodes: GrowingNode[] = [];
    const parents: Array<{ split: SplitInfo; left: number; right: number }> = [];
    const leaves: GrowingNode[] = [];
    const root = this.node(nodes, 0, rows, 0, { sumG, sumH, count: rows });
    const splittable: GrowingNode[] = [];
    if (
      rows >= 2 * this.options.minSamplesLeaf &&
      sumH >= this.options.minHessian &&
      this.options.maxLeafNodes > 1
    ) {
      root.hist = this.takeHistogram();
      this.histograms.root(root.hist);
      this.pushIfSplittable(root, splittable, leaves);
    } else {
      leaves.push(root);
    }
    let leafNodes = 1;
    while (splittable.length > 0) {
      const node = popLargestGain(splittable);
      const split = node.split as SplitInfo;
      const middle = this.partition(node, split);
      const left = this.node(nodes, node.start, middle, node.depth + 1, split.left);
      const right = this.node(nodes, middle, node.end, node.depth + 1, split.right);
      parents[node.id] = { split, left: left.id, right: right.id };
      leafNodes += 1;
      if (leafNodes === this.options.maxLeafNodes) {
        this.release(node);
        for (const rest of splittable.splice(0)) {
          this.release(rest);
          leaves.push(rest);
        }
        leaves.push(left, right);
        break;
      }
      const { maxDepth, minSamplesLeaf } = this.options;
      const atDepth = maxDepth !== undefined && node.depth + 1 >= maxDepth;
      const splitLeft = !atDepth && left.sums.count >= 2 * minSamplesLeaf;
      const splitRight = !atDepth && right.sums.count >= 2 * minSamplesLeaf;
      if (!splitLeft) leaves.push(left);
      if (!splitRight) leaves.push(right);
      if (splitLeft || splitRight) {
        const [small, large] = left.sums.count < right.sums.count ? [left, right] : [right, left];
        small.hist = this.takeHistogram();
        this.histograms.node(small.hist, this.indices, small.start, small.end);
        const parentHist = node.hist as Float64Array;
        subtractHistogram(parentHist, small.hist, parentHist);
        large.hist = parentHist;
        node.hist = undefined;
        for (const child of [left, right]) {
          if (child === left ? splitLeft : splitRight) this.pushIfSplittable(child, splittable, leaves);
          else this.release(child);
        }
      } else {
        this.release(node);
      }
    }
    return { tree: this.pack(nodes, parents), leaves: leaves.map((leaf) => this.leafRows(leaf)) };
  }

  private node(nodes: GrowingNode[], start: number, end: number, depth: number, sums: NodeSums): GrowingNode {
    const node: GrowingNode = {
      id: nodes.length,
      start,
      end,
      depth,
      sums,
      hist: undefined,
      split: undefined,
    };
    nodes.push(node);
    return node;
  }

  private pushIfSplittable(node: GrowingNode, splittable: GrowingNode[], leaves: GrowingNode[]): void {
    node.split = findBestSplit(node.hist as Float64Array, node.sums, this.mapper, this.options);
    if (node.split) {
      splittable.push(node);
    } else {
      this.release(node);
      leaves.push(node);
    }
  }

  /** Stable partition of the node's rows: left rows first, in their order, then right rows. */
  private partition(node: GrowingNode, split: SplitInfo): number {
    const { bins, rows } = this.inputs;
    const { indices, spare } = this;
    const column = split.feature * rows;
    const missingBin = this.mapper.missingBin;
    const missingLeft = split.missingGoesLeft;
    const bin = split.bin;
    let l = node.start;
    let r = 0;
    for (let k = node.start; k < node.end; k++) {
      const i = indices[k] as number;
      const b = bins[column + i] as number;
      if (b === missingBin ? missingLeft : b <= bin) indices[l++] = i;
      else spare[r++] = i;
    }
    indices.set(spare.subarray(0, r), l);
    return l;
  }

  private leafRows(leaf: GrowingNode): LeafRows {
    const value = this.options.learningRate * leafValue(leaf.sums.sumG, leaf.sums.sumH, this.options.l2);
    return { start: leaf.start, end: leaf.end, value };
  }

  private pack(
    nodes: GrowingNode[],
    parents: Array<{ split: SplitInfo; left: number; right: number }>,
  ): Tree {
    const size = nodes.length;
    const tree: Tree = {
      feature: new Int32Array(size).fill(-1),
      threshold: new Float64Array(size),
      splitBin: new Int32Array(size),
      missingGoesLeft: new Uint8Array(size),
      left: new Int32Array(size).fill(-1),
      right: new Int32Array(size).fill(-1),
      value: new Float64Array(size),
    };
    for (const node of nodes) {
      const parent = parents[node.id];
      if (!parent) {
        tree.value[node.id] = this.leafRows(node).value;
        continue;
      }
      const { split } = parent;
      const cuts = this.mapper.thresholds[split.feature] as Float64Array;
      tree.feature[node.id] = split.feature;
      // The last value bin has no threshold above it: the split separates present from missing.
      tree.threshold[node.id] = split.bin < cuts.length ? (cuts[split.bin] as number) : Infinity;
      tree.splitBin[node.id] = split.bin;
      tree.missingGoesLeft[node.id] = split.missingGoesLeft ? 1 : 0;
      tree.left[node.id] = parent.left;
      tree.right[node.id] = parent.right;
    }
    return tree;
  }

  private takeHistogram(): Float64Array {
    return this.histPool.pop() ?? this.histograms.newHistogram();
  }

  private release(node: GrowingNode): void {
    if (node.hist) this.histPool.push(node.hist);
    node.hist = undefined;
  }
}

function popLargestGain(nodes: GrowingNode[]): GrowingNode {
  let best = 0;
  for (let j = 1; j < nodes.length; j++) {
    if ((nodes[j]?.split?.gain ?? 0) > (nodes[best]?.split?.gain ?? 0)) best = j;
  }
  return nodes.splice(best, 1)[0] as GrowingNode;
}
