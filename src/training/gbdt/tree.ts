/**
 * A fitted regression tree as flat arrays (node `0` is the root): small to keep, fast to walk,
 * and laid out the way ONNX's TreeEnsemble attributes list nodes.
 */
export interface Tree {
  /** Split feature, or −1 for a leaf. */
  feature: Int32Array;
  /**
   * A row goes left when its (float32) value is `<= threshold`; `Infinity` marks a split that
   * sends all present values left and missing ones right.
   */
  threshold: Float64Array;
  /** The same split on bins: left when `bin <= splitBin` (used on binned training rows). */
  splitBin: Int32Array;
  /** 1 when rows with a missing value go left. */
  missingGoesLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** A leaf's contribution to the raw score (learning rate applied); 0 for split nodes. */
  value: Float64Array;
}

/** The raw score a tree gives row `i` of column-major float values (`columns[f][i]`). */
export function treeValue(tree: Tree, columns: readonly Float64Array[], i: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return tree.value[node] as number;
    const x = (columns[f] as Float64Array)[i] as number;
    const goLeft = Number.isNaN(x)
      ? tree.missingGoesLeft[node] === 1
      : Math.fround(x) <= (tree.threshold[node] as number);
    node = (goLeft ? tree.left[node] : tree.right[node]) as number;
  }
}

/** The raw score a tree gives row `i` of a column-major bin matrix. */
export function treeValueBinned(
  tree: Tree,
  bins: Uint8Array,
  rows: number,
  missingBin: number,
  i: number,
): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return tree.value[node] as number;
    const b = bins[f * rows + i] as number;
    const goLeft = b === missingBin ? tree.missingGoesLeft[node] === 1 : b <= (tree.splitBin[node] as number);
    node = (goLeft ? tree.left[node] : tree.right[node]) as number;
  }
}

/** Leaves of a tree. */
export function leafCount(tree: Tree): number {
  let count = 0;
  for (let j = 0; j < tree.feature.length; j++) if ((tree.feature[j] as number) < 0) count++;
  return count;
}
