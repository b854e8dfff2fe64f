import { invalidParameter } from '../../core/errors.js';
import { seededRandom } from '../../core/random.js';
import type { Metric, Tag } from '../../tracking/types.js';
import { loadTrainingTable } from '../data/load-table.js';
import { metricDirections } from '../evaluation/metrics.js';
import type { RawParams } from '../learner.js';
import { findLearner } from '../learners.js';
import { fileDataset, train, type TrainingServices, type TrainRequest } from '../trainer.js';
import { gridCandidates, randomCandidates, typedSpace, type SearchSpace } from './search-space.js';

export type SearchStrategy = 'grid' | 'random' | 'halving';

export interface TuneRequest extends Omit<TrainRequest, 'params' | 'run' | 'maxTrainRows' | 'onProgress'> {
  space: SearchSpace;
  search: SearchStrategy;
  /** Candidates drawn by random search and successive halving (default 10). */
  trials?: number;
  /** The holdout metric that picks the best (default accuracy, or rmse for regression). */
  metric?: string;
  /** Default: the metric's own (`accuracy` max, `rmse` min…). */
  direction?: 'max' | 'min';
  /** Successive halving keeps 1/eta of the candidates per round (default 3). */
  eta?: number;
  /** Parameters every trial shares (the space's ones win). */
  params?: RawParams;
  /** `tags` go on the parent run and every trial (say, the code's git commit). */
  run: { experimentId: string; runName?: string; tags?: Tag[] };
  /** After each trial: how many are done, of how many. */
  onTrial?: (done: number, total: number) => void;
}

export interface Trial {
  runId: string;
  params: RawParams;
  value: number;
  /** Successive halving's round (0 for the other searches). */
  round: number;
  trainRows: number | undefined;
}

export interface TuneResult {
  parentRunId: string;
  metric: string;
  direction: 'max' | 'min';
  best: Trial & { modelSource: string };
  trials: Trial[];
  /** The first trial's warnings about the data (every trial reads the same columns). */
  warnings: string[];
}

/**
 * Hyperparameter search as a parent run with one nested run per trial (tag `mlflow.parentRunId`),
 * each a full `train()` on the same holdout split. Grid tries every combination, random draws
 * `trials` candidates (seeded), successive halving (Jamieson & Talwalkar, 2016) trains all
 * candidates on a small share of the training rows, keeps the best 1/eta, and repeats with eta
 * times the rows until the last round uses them all. The best trial of the last round by the named
 * metric wins; the parent run records its run id (tag `mloop.tuning.best_run_id`), its metric
 * (`best_<metric>`) and its parameters (`best.<name>`).
 */
export async function tune(services: TrainingServices, request: TuneRequest): Promise<TuneResult> {
  const seed = request.seed ?? 0;
  const random = seededRandom(seed + 1);
  const trials = request.trials ?? 10;
  if (!(Number.isInteger(trials) && trials >= 1))
    throw invalidParameter('trials', `trials must be a whole number ≥ 1, got ${trials}`);
  const eta = request.eta ?? 3;
  if (!(eta >= 2)) throw invalidParameter('eta', `eta must be at least 2, got ${eta}`);
  const learner = findLearner(request.model);
  // The learner knows which parameters are integers: a range over one draws whole numbers.
  const space = typedSpace(request.space, learner.hyperparameters);
  const candidates =
    request.search === 'grid' ? gridCandidates(space) : randomCandidates(space, trials, random);

  // Every candidate's parameters are checked before any run starts.
  for (const candidate of candidates) learner.parseParams({ ...request.params, ...candidate });

  const dataset =
    request.dataset ?? (typeof request.data === 'string' ? fileDataset(request.data) : undefined);
  const table = typeof request.data === 'string' ? await loadTrainingTable(request.data) : request.data;
  const parent = await services.runs.create({
    experimentId: request.run.experimentId,
    ...(request.run.runName ? { runName: request.run.runName } : {}),
    tags: [{ key: 'mloop.tuning.search', value: request.search }, ...(request.run.tags ?? [])],
  });
  const parentRunId = parent.info.runId;
  try {
    const { run: _run, space: _space, search: _search, onTrial: _onTrial, ...shared } = request;
    const done: Array<Trial & { modelSource: string }> = [];
    let metric = request.metric;
    let direction = request.direction;
    const rounds =
      request.search === 'halving'
        ? Math.max(1, Math.floor(Math.log(candidates.length) / Math.log(eta)) + 1)
        : 1;
    const total =
      request.search === 'halving' ? halvingTrials(candidates.length, eta, rounds) : candidates.length;
    let survivors = candidates;
    let trainRows: number | undefined;
    let best: (Trial & { modelSource: string }) | undefined;
    let warnings: string[] | undefined;
    for (let round = 0; round < rounds; round++) {
      const share = eta ** (round - rounds + 1);
      const roundResults: Array<Trial & { modelSource: string }> = [];
      for (const [i, candidate] of survivors.entries()) {
        const params = { ...request.params, ...candidate };
        const fullRows = Math.round(table.rows * (1 - (request.holdout ?? 0.2)));
        trainRows = share < 1 ? Math.max(10, Math.ceil(fullRows * share)) : undefined;
        const result = await train(services, {
          ...shared,
          data: table,
          ...(dataset ? { dataset } : {}),
          params,
          ...(trainRows !== undefined ? { maxTrainRows: trainRows } : {}),
          run: {
            experimentId: request.run.experimentId,
            parentRunId,
            runName: rounds > 1 ? `round-${round}-trial-${i}` : `trial-${i}`,
            tags: [{ key: 'mloop.tuning.round', value: String(round) }, ...(request.run.tags ?? [])],
          },
        });
        warnings ??= result.warnings;
        metric ??= result.task === 'regression' ? 'rmse' : 'accuracy';
        direction ??= metricDirections[metric];
        if (!direction)
          throw invalidParameter(
            'direction',
            `say whether "${metric}" is better high or low: --direction max|min`,
          );
        const value = result.metrics[metric];
        if (value === undefined) {
          throw invalidParameter(
            'metric',
            `no metric "${metric}"; the trials log ${Object.keys(result.metrics).join(', ')}`,
          );
        }
        const trial = {
          runId: result.runId,
          params,
          value,
          round,
          trainRows,
          modelSource: result.modelSource,
        };
        roundResults.push(trial);
        done.push(trial);
        request.onTrial?.(done.length, total);
      }
      // Lower is better after the sign flip; NaN (a metric that could not be computed) sorts last.
      const score = (t: Trial) =>
        Number.isNaN(t.value) ? Infinity : direction === 'min' ? t.value : -t.value;
      const ranked = roundResults.map((trial, k) => ({ trial, candidate: survivors[k]! }));
      ranked.sort((a, b) => score(a.trial) - score(b.trial));
      best = ranked[0]?.trial;
      survivors = ranked.slice(0, Math.max(1, Math.ceil(survivors.length / eta))).map((r) => r.candidate);
    }
    if (!best || !metric || !direction) throw new Error('tuning ran no trial');
    const now = services.clock.now();
    const bestMetric: Metric = { key: `best_${metric}`, value: best.value, timestamp: now, step: 0 };
    await services.runs.logBatch(parentRunId, {
      metrics: [bestMetric],
      params: [
        { key: 'search', value: request.search },
        { key: 'metric', value: metric },
        { key: 'direction', value: direction },
        { key: 'trials', value: String(done.length) },
        ...Object.entries(best.params).map(([k, v]) => ({ key: `best.${k}`, value: String(v) })),
      ],
      tags: [{ key: 'mloop.tuning.best_run_id', value: best.runId }],
    });
    await services.runs.update(parentRunId, { status: 'FINISHED', endTime: services.clock.now() });
    return {
      parentRunId,
      metric,
      direction,
      best,
      trials: done.map(({ modelSource: _m, ...t }) => t),
      warnings: warnings ?? [],
    };
  } catch (error) {
    await services.runs
      .update(parentRunId, { status: 'FAILED', endTime: services.clock.now() })
      .catch(() => undefined);
    throw error;
  }
}

function halvingTrials(candidates: number, eta: number, rounds: number): number {
  let total = 0;
  let n = candidates;
  for (let r = 0; r < rounds; r++) {
    total += n;
    n = Math.max(1, Math.ceil(n / eta));
  }
  return total;
}
