import type { Prediction } from '../../serving/model-runtime.js';

/** Which predictions a performance report covers. Shadow copies are always left out. */
export interface PredictionFilter {
  model: string;
  /** Inclusive start, ms since the epoch. */
  from: number;
  /** Exclusive end. */
  to: number;
  version?: number | undefined;
  /** Only predictions this deployment routed. */
  deployment?: string | undefined;
}

/** Predictions of one version and arm in one window, labelled or not. */
export interface PredictionCount {
  /** Start of the window, a multiple of the window length since the epoch. */
  windowStart: number;
  version: number;
  arm: string;
  count: number;
}

/** A logged prediction with the label attached to it. */
export interface LabelledPrediction {
  id: string;
  time: number;
  version: number;
  arm: string;
  deployment: string | undefined;
  inputs: Record<string, unknown>;
  outputs: Prediction;
  label: string | number | boolean;
}

/**
 * The join of predictions with their labels, as performance reports read it. Feedback, which owns
 * labels, implements it; monitoring only computes on what it returns.
 */
export interface LabelledPredictionReader {
  /**
   * Predictions per window (`windowMs` long, aligned to the epoch), version and arm; with
   * `windowMs` 0, one window starting at `filter.from`.
   */
  countPredictions(filter: PredictionFilter, windowMs: number): Promise<PredictionCount[]>;
  /** The labelled predictions, oldest first, a page at a time. */
  labelledPredictions(filter: PredictionFilter): AsyncIterable<LabelledPrediction[]>;
}
