import { availableParallelism } from 'node:os';
import { invalidParameter } from '../../core/errors.js';
import { seededRandom, shuffledIndices } from '../../core/random.js';
import { binColumns, fitBinMapper, type BinMapper } from './binning.js';
import { SerialHistograms, type HistogramBuilder, type HistogramInputs } from './histogram.js';
import { lossFor, type GbdtObjective, type Loss } from './losses.js';
import type { GbdtModel } from './model.js';
import { treeValueBinned, type Tree } from './tree.js';
import { ThreadedHistograms } from './threaded-histograms.js';
import { TreeGrower } from './tree-grower.js';

/**
 * Histogram gradient-boosted trees, following scikit-learn's HistGradientBoosting: quantile
 * bins, leaf-wise trees on gradient histograms, shrinkage, optional early stopping on a
 * validation split. Settings carry scikit-learn's names and defaults, so results compare.
 */
export interface GbdtOptions {
  learningRate?: number;
  maxIter?: number;
  maxLeafNodes?: number;
  maxDepth?: number;
  minSamplesLeaf?: number;
  /** L2 regularization of leaf values (scikit-learn's l2_regularization). */
  l2?: number;
  maxBins?: number;
  /** `auto` (default): on when there are more than 10,000 rows, as in scikit-learn. */
  earlyStopping?: boolean | 'auto';
  validationFraction?: number;
  nIterNoChange?: number;
  /** Smallest validation-loss improvement that counts (scikit-learn's tol). */
  tol?: number;
  seed?: number;
  /**
   * Threads that build gradient histograms (default: the machine's cores, at most 4). Sets of
   * fewer than 20,000 rows use one: a thread's hand-off would cost more than it saves.
   */
  threads?: number;
  /** Called after each boosting iteration (for progress bars). */
  onIteration?: (iteration: number, maxIter: number) => void;
}

/** Training rows by column (NaN = missing) with the target: class indices `0..classes-1` or values. */
export interface GbdtTrainingSet {
  columns: readonly Float64Array[];
  featureNames: string[];
  target: Float64Array;
  objective: GbdtObjective;
  /** Number of classes (classification). */
  classes?: number;
}

export interface GbdtFitResult {
  model: GbdtModel;
  /** Iterations kept (fewer than maxIter when early stopping ended the fit). */
  iterations: number;
  /** Validation loss per iteration, when early stopping was on. */
  validationLoss: number[];
  /** Threads that built the histograms. */
  threads: number;
}

type Settings = Required<Omit<GbdtOptions, 'maxDepth' | 'onIteration'>> &
  Pick<GbdtOptions, 'maxDepth' | 'onIteration'>;

/** Fewer rows than this build histograms on one thread. */
const threadedFromRows = 20_000;

function settingsOf(options: GbdtOptions): Settings {
  const s: Settings = {
    learningRate: options.learningRate ?? 0.1,
    maxIter: options.maxIter ?? 100,
    maxLeafNodes: options.maxLeafNodes ?? 31,
    maxDepth: options.maxDepth,
    minSamplesLeaf: options.minSamplesLeaf ?? 20,
    l2: options.l2 ?? 0,
    maxBins: options.maxBins ?? 255,
    earlyStopping: options.earlyStopping ?? 'auto',
    validationFraction: options.validationFraction ?? 0.1,
    nIterNoChange: options.nIterNoChange ?? 10,
    tol: options.tol ?? 1e-7,
    seed: options.seed ?? 0,
    threads: options.threads ?? Math.min(4, availableParallelism()),
    onIteration: options.onIteration,
  };
  const positive = (field: string, value: number) => {
    if (!(value > 0 && Number.isFinite(value)))
      throw invalidParameter(field, `${field} must be a positive number, got ${value}`);
  };
  const whole = (field: string, value: number, min: number, max = Infinity) => {
    if (!(Number.isInteger(value) && value >= min && value <= max)) {
      throw invalidParameter(field, `${field} must be a whole number in [${min}, ${max}], got ${value}`);
    }
  };
  positive('learning_rate', s.learningRate);
  whole('max_iter', s.maxIter, 1);
  whole('max_leaf_nodes', s.maxLeafNodes, 2);
  if (s.maxDepth !== undefined) whole('max_depth', s.maxDepth, 1);
  whole('min_samples_leaf', s.minSamplesLeaf, 1);
  if (!(s.l2 >= 0)) throw invalidParameter('l2_regularization', `l2_regularization must be ≥ 0, got ${s.l2}`);
  whole('max_bins', s.maxBins, 2, 255);
  if (!(s.validationFraction > 0 && s.validationFraction < 1)) {
    throw invalidParameter(
      'validation_fraction',
      `validation_fraction must be in (0, 1), got ${s.validationFraction}`,
    );
  }
  whole('n_iter_no_change', s.nIterNoChange, 1);
  whole('threads', s.threads, 1, 64);
  return s;
}

/** Fits a GBDT on `data`; deterministic for a given `seed`. */
export function fitGbdt(data: GbdtTrainingSet, options: GbdtOptions = {}): GbdtFitResult {
  const s = settingsOf(options);
  const classes = data.objective === 'binary' ? 2 : data.objective === 'multiclass' ? (data.classes ?? 0) : 1;
  if (data.objective === 'multiclass' && classes < 3) {
    throw invalidParameter('label', `multiclass training needs at least 3 classes, got ${classes}`);
  }
  const loss = lossFor(data.objective, classes);
  const rows = data.target.length;
  if (rows < 2) throw invalidParameter('data', `training needs at least 2 rows, got ${rows}`);
  const earlyStopping = s.earlyStopping === 'auto' ? rows > 10_000 : s.earlyStopping;
  const { train, validation } = earlyStopping
    ? splitForValidation(data, s.validationFraction, s.seed)
    : { train: { columns: data.columns, target: data.target }, validation: undefined };

  const mapper = fitBinMapper(train.columns, { maxBins: s.maxBins, seed: s.seed });
  const n = train.target.length;
  const inputs: HistogramInputs = {
    bins: binColumns(mapper, train.columns),
    rows: n,
    features: train.columns.length,
    binsPerFeature: mapper.maxBins + 1,
    gradients: new Float64Array(n),
    hessians: new Float64Array(n),
  };
  const histograms =
    s.threads > 1 && n >= threadedFromRows
      ? new ThreadedHistograms(inputs, s.threads, s.maxLeafNodes + 2)
      : new SerialHistograms(inputs);
  try {
    return boost({ data, s, loss, train, validation, mapper, inputs, histograms });
  } finally {
    histograms.close();
  }
}

/** The boosting rounds of `fitGbdt`, once the data is binned and the histogram builder is up. */
function boost({
  data,
  s,
  loss,
  train,
  validation,
  mapper,
  inputs,
  histograms,
}: {
  data: GbdtTrainingSet;
  s: Settings;
  loss: Loss;
  train: Part;
  validation: Part | undefined;
  mapper: BinMapper;
  inputs: HistogramInputs;
  histograms: HistogramBuilder;
}): GbdtFitResult {
  const n = inputs.rows;
  const grower = new TreeGrower(
    inputs,
    mapper,
    {
      maxLeafNodes: s.maxLeafNodes,
      maxDepth: s.maxDepth,
      minSamplesLeaf: s.minSamplesLeaf,
      l2: s.l2,
      minHessian: 1e-3,
      learningRate: s.learningRate,
    },
    histograms,
  );

  const baseline = loss.baseline(train.target);
  const raw = Array.from(baseline, (b) => new Float64Array(n).fill(b));
  const g = Array.from(baseline, () => new Float64Array(n));
  const h = Array.from(baseline, () => new Float64Array(n));
  const validationBins = validation ? binColumns(mapper, validation.columns) : undefined;
  const validationRaw = validation
    ? Array.from(baseline, (b) => new Float64Array(validation.target.length).fill(b))
    : [];
  const validationLoss: number[] = [];
  const trees: Tree[][] = [];

  for (let iteration = 0; iteration < s.maxIter; iteration++) {
    loss.gradients(raw, train.target, g, h);
    const round: Tree[] = [];
    for (let k = 0; k < loss.scores; k++) {
      inputs.gradients = g[k] as Float64Array;
      inputs.hessians = h[k] as Float64Array;
      const { tree, leaves } = grower.grow();
      round.push(tree);
      const out = raw[k] as Float64Array;
      for (const leaf of leaves) {
        for (let j = leaf.start; j < leaf.end; j++) {
          const i = grower.indices[j] as number;
          out[i] = (out[i] as number) + leaf.value;
        }
      }
      if (validation && validationBins) {
        const vOut = validationRaw[k] as Float64Array;
        const vRows = validation.target.length;
        for (let i = 0; i < vRows; i++) {
          vOut[i] = (vOut[i] as number) + treeValueBinned(tree, validationBins, vRows, mapper.missingBin, i);
        }
      }
    }
    trees.push(round);
    s.onIteration?.(iteration + 1, s.maxIter);
    if (validation) {
      validationLoss.push(loss.meanLoss(validationRaw, validation.target));
      if (shouldStop(validationLoss, s.nIterNoChange, s.tol)) break;
    }
  }
  const model: GbdtModel = {
    objective: data.objective,
    featureNames: [...data.featureNames],
    scores: loss.scores,
    baseline,
    trees,
  };
  return { model, iterations: trees.length, validationLoss, threads: histograms.threads };
}

/**
 * scikit-learn's rule: stop when none of the last `n` scores improved on the one before them
 * by more than `tol` (here on losses, lower is better).
 */
function shouldStop(losses: number[], n: number, tol: number): boolean {
  if (losses.length <= n) return false;
  const reference = losses[losses.length - n - 1] as number;
  return losses.slice(-n).every((l) => !(l < reference - tol));
}

interface Part {
  columns: readonly Float64Array[];
  target: Float64Array;
}

/** A seeded split, stratified by class for classifiers (as scikit-learn's train_test_split). */
function splitForValidation(
  data: GbdtTrainingSet,
  fraction: number,
  seed: number,
): { train: Part; validation: Part } {
  const rows = data.target.length;
  const random = seededRandom(seed ^ 0x5eed);
  const order = shuffledIndices(rows, random);
  const held = new Uint8Array(rows);
  if (data.objective === 'regression') {
    const count = Math.max(1, Math.round(rows * fraction));
    for (let j = 0; j < count; j++) held[order[j] as number] = 1;
  } else {
    const perClass = new Map<number, number[]>();
    for (const i of order) {
      const label = data.target[i] as number;
      const list = perClass.get(label) ?? [];
      list.push(i);
      perClass.set(label, list);
    }
    for (const list of perClass.values()) {
      const count = Math.round(list.length * fraction);
      for (let j = 0; j < count; j++) held[list[j] as number] = 1;
    }
  }
  const pick = (flag: number): Part => {
    const indices: number[] = [];
    for (let i = 0; i < rows; i++) if (held[i] === flag) indices.push(i);
    return {
      columns: data.columns.map((c) => Float64Array.from(indices, (i) => c[i] as number)),
      target: Float64Array.from(indices, (i) => data.target[i] as number),
    };
  };
  return { train: pick(0), validation: pick(1) };
}
