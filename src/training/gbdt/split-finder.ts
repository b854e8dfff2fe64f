import type { BinMapper } from './binning.js';
import * as layout from './histogram.js';

// The histogram layout as module constants: the split search reads them in its inner loop, where a
// cross-module binding can cost a getter call per read under some loaders (as in development).
const { COUNT, FIELDS, SUM_G, SUM_H } = layout;

/** The best way found to split a node: rows with `bin <= bin` go left, missing ones as learned. */
export interface SplitInfo {
  gain: number;
  feature: number;
  bin: number;
  missingGoesLeft: boolean;
  left: NodeSums;
  right: NodeSums;
}

export interface NodeSums {
  sumG: number;
  sumH: number;
  count: number;
}

export interface SplitConstraints {
  minSamplesLeaf: number;
  l2: number;
  /** A child needs at least this much hessian (scikit-learn's min_hessian_to_split, 1e-3). */
  minHessian: number;
}

/**
 * The leaf value that minimises the second-order loss: −G / (H + λ) (before shrinkage), with
 * scikit-learn's 1e-15 guarding a zero hessian.
 */
export function leafValue(sumG: number, sumH: number, l2: number): number {
  return -sumG / (sumH + l2 + 1e-15);
}

/**
 * The second-order loss reduction of a split, written as scikit-learn's `_split_gain` computes
 * it (parent loss minus each child's, a loss being G · value), so that splits of a pure node,
 * whose gain is zero up to rounding, are taken or refused as scikit-learn does.
 */
function splitGain(gl: number, hl: number, gr: number, hr: number, parentLoss: number, l2: number): number {
  let gain = parentLoss;
  gain -= gl * leafValue(gl, hl, l2);
  gain -= gr * leafValue(gr, hr, l2);
  return gain;
}

/**
 * Scans every feature's histogram for the split with the largest positive gain, trying missing
 * values on the right (left-to-right scan) and, for features that had missing values in
 * training, on the left (right-to-left scan), like scikit-learn's splitter. Returns undefined
 * when no split satisfies the constraints.
 */
export function findBestSplit(
  hist: Float64Array,
  node: NodeSums,
  mapper: BinMapper,
  constraints: SplitConstraints,
): SplitInfo | undefined {
  const { minSamplesLeaf, l2, minHessian } = constraints;
  const binsPerFeature = mapper.maxBins + 1;
  const parentLoss = node.sumG * leafValue(node.sumG, node.sumH, l2);
  let best: SplitInfo | undefined;
  // A pure node's splits gain exactly 0, but rounding in the sums leaves ±1e-14; counting that as
  // a gain would grow leaves that all predict the same value.
  let bestGain = 1e-10 * Math.abs(parentLoss);
  const features = mapper.valueBins.length;
  for (let f = 0; f < features; f++) {
    const base = f * binsPerFeature * FIELDS;
    const valueBins = mapper.valueBins[f] as number;
    const hasMissing = mapper.hasMissing[f] === 1;
    // Missing values on the right. With missing values, the last value bin may go left too: all
    // present values left, missing ones right ("split on missing").
    let gl = 0;
    let hl = 0;
    let nl = 0;
    const end = valueBins - 1 + (hasMissing ? 1 : 0);
    for (let b = 0; b < end; b++) {
      const at = base + b * FIELDS;
      gl += hist[at + SUM_G] as number;
      hl += hist[at + SUM_H] as number;
      nl += hist[at + COUNT] as number;
      const nr = node.count - nl;
      if (nl < minSamplesLeaf) continue;
      if (nr < minSamplesLeaf) break;
      const hr = node.sumH - hl;
      if (hl < minHessian) continue;
      if (hr < minHessian) break;
      const gr = node.sumG - gl;
      const gain = splitGain(gl, hl, gr, hr, parentLoss, l2);
      if (gain > bestGain) {
        bestGain = gain;
        best = split(gain, f, b, false, gl, hl, nl, node);
      }
    }
    if (!hasMissing) continue;
    // Missing values on the left: accumulate the right child from the top value bin down.
    let gr = 0;
    let hr = 0;
    let nr = 0;
    for (let b = valueBins - 2; b >= 0; b--) {
      const at = base + (b + 1) * FIELDS;
      gr += hist[at + SUM_G] as number;
      hr += hist[at + SUM_H] as number;
      nr += hist[at + COUNT] as number;
      const nl2 = node.count - nr;
      if (nr < minSamplesLeaf) continue;
      if (nl2 < minSamplesLeaf) break;
      const hl2 = node.sumH - hr;
      if (hr < minHessian) continue;
      if (hl2 < minHessian) break;
      const gl2 = node.sumG - gr;
      const gain = splitGain(gl2, hl2, gr, hr, parentLoss, l2);
      if (gain > bestGain) {
        bestGain = gain;
        best = split(gain, f, b, true, gl2, hl2, nl2, node);
      }
    }
  }
  if (best && mapper.hasMissing[best.feature] === 0) {
    // No missing values in training: at prediction time they follow the larger child.
    best.missingGoesLeft = best.left.count > best.right.count;
  }
  return best;
}

function split(
  gain: number,
  feature: number,
  bin: number,
  missingGoesLeft: boolean,
  gl: number,
  hl: number,
  nl: number,
  node: NodeSums,
): SplitInfo {
  return {
    gain,
    feature,
    bin,
    missingGoesLeft,
    left: { sumG: gl, sumH: hl, count: nl },
    right: { sumG: node.sumG - gl, sumH: node.sumH - hl, count: node.count - nl },
  };
}
