import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/clock.js';
import { isMloopError } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import type { PredictRequest, PredictResult } from '../prediction-service.js';
import type { ArmStatsSink } from './arm-stats.js';
import type { DeploymentService } from './deployments.js';
import type { RandomSource } from './random.js';
import { route } from './router.js';
import type { AnsweringArm, ArmLabel, Deployment, VersionRef } from './types.js';
import { isVersionNumber } from './validation.js';

/** Serving's one inference path, as deployments use it (`PredictionService` fits). */
export interface Scorer {
  predict(request: PredictRequest): Promise<PredictResult>;
}

export interface DeploymentPredictRequest {
  records: PredictRequest['records'];
  /** Routing key for A/B (a user or session id); also logged with each prediction. */
  key?: string | undefined;
}

export interface DeploymentPredictResult extends PredictResult {
  deployment: string;
  /** The arm whose prediction this is. */
  arm: AnsweringArm;
  /** True when the candidate was chosen but failed, and the primary answered instead. */
  fellBack: boolean;
}

export interface DeploymentPredictorOptions {
  /** Canary and shadow draws; `Math.random` by default, seeded in tests. */
  random?: RandomSource;
  /**
   * How long a deployment read from the database is reused (default 1 s). Changes made in this
   * process apply at once (by event); changes by another process (a CLI) within this time.
   */
  cacheMs?: number;
  /** Shadow scorings running at once; beyond it copies are skipped, so shadows never pile up. */
  maxShadowsInFlight?: number;
  logger?: { warn(details: object, message: string): void };
}

// Errors that say the request was wrong, not the model: they count against an arm only when the
// other arm accepted the same request.
const requestErrors = new Set([
  'INVALID_PARAMETER_VALUE',
  'BAD_REQUEST',
  'MALFORMED_REQUEST',
  'PAYLOAD_TOO_LARGE',
]);
const isRequestError = (error: unknown) => isMloopError(error) && requestErrors.has(error.code);

/**
 * Answers a deployment's requests: the router picks the arm, serving's `PredictionService`
 * scores (so the prediction log and metrics carry the arm), and each outcome is recorded in the
 * per-arm statistics rollouts are judged on.
 * - A candidate that fails is answered for by the primary (`fellBack`), and its failure counts
 *   against it unless the primary fails the same request as malformed.
 * - A shadow copy is scored after the primary answered, never delaying or changing the answer.
 * - Requests every arm rejects as malformed are the caller's fault and count against no arm.
 */
export class DeploymentPredictor {
  private readonly cache = new Map<string, { deployment: Deployment; until: number }>();
  private readonly shadows = new Set<Promise<void>>();
  private readonly random: RandomSource;
  private readonly cacheMs: number;
  private readonly maxShadows: number;
  /** Shadow copies skipped because too many were in flight. */
  skippedShadows = 0;

  constructor(
    private readonly deployments: DeploymentService,
    private readonly scorer: Scorer,
    private readonly stats: ArmStatsSink,
    events: EventBus,
    private readonly clock: Clock,
    private readonly options: DeploymentPredictorOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    this.cacheMs = options.cacheMs ?? 1000;
    this.maxShadows = options.maxShadowsInFlight ?? 64;
    events.on('deployment.changed', ({ name }) => this.cache.delete(name));
  }

  /** Scores `request` on the arm the deployment's router chooses. */
  async predict(name: string, request: DeploymentPredictRequest): Promise<DeploymentPredictResult> {
    const deployment = await this.lookup(name);
    const decision = route(deployment, { key: request.key }, this.random);
    const candidate = deployment.candidate;
    if (decision.answer === 'candidate' && candidate) {
      const started = performance.now();
      try {
        const result = await this.score(deployment, candidate.version, 'candidate', request);
        this.stats.record(name, 'candidate', result.latencyMs, true);
        return { ...result, deployment: name, arm: 'candidate', fellBack: false };
      } catch (candidateError) {
        const latencyMs = performance.now() - started;
        try {
          const result = await this.answerWithPrimary(deployment, request);
          this.stats.record(name, 'candidate', latencyMs, false);
          this.options.logger?.warn(
            { err: candidateError, deployment: name },
            'candidate failed; the primary answered instead',
          );
          return { ...result, fellBack: true };
        } catch (primaryError) {
          if (!isRequestError(candidateError)) this.stats.record(name, 'candidate', latencyMs, false);
          throw primaryError;
        }
      }
    }
    const result = await this.answerWithPrimary(deployment, request);
    if (decision.shadow && candidate) this.startShadow(deployment, candidate.version, request);
    return result;
  }

  /** Resolves once every shadow scoring in flight has finished. */
  async drainShadows(): Promise<void> {
    while (this.shadows.size > 0) await Promise.allSettled([...this.shadows]);
  }

  private async answerWithPrimary(
    deployment: Deployment,
    request: DeploymentPredictRequest,
  ): Promise<DeploymentPredictResult> {
    const started = performance.now();
    try {
      const result = await this.score(deployment, deployment.primary, 'primary', request);
      this.stats.record(deployment.name, 'primary', result.latencyMs, true);
      return { ...result, deployment: deployment.name, arm: 'primary', fellBack: false };
    } catch (error) {
      if (!isRequestError(error))
        this.stats.record(deployment.name, 'primary', performance.now() - started, false);
      throw error;
    }
  }

  private startShadow(deployment: Deployment, version: VersionRef, request: DeploymentPredictRequest): void {
    if (this.shadows.size >= this.maxShadows) {
      this.skippedShadows += 1;
      return;
    }
    const started = performance.now();
    // The primary accepted these records, so any failure here is the shadow's.
    const run: Promise<void> = this.score(deployment, version, 'shadow', request).then(
      (result) => this.stats.record(deployment.name, 'shadow', result.latencyMs, true),
      (error: unknown) => {
        this.stats.record(deployment.name, 'shadow', performance.now() - started, false);
        this.options.logger?.warn({ err: error, deployment: deployment.name }, 'shadow scoring failed');
      },
    );
    const tracked = run.finally(() => this.shadows.delete(tracked));
    this.shadows.add(tracked);
  }

  private score(
    deployment: Deployment,
    version: VersionRef,
    arm: ArmLabel,
    request: DeploymentPredictRequest,
  ): Promise<PredictResult> {
    return this.scorer.predict({
      ref: modelRef(deployment.model, version),
      records: request.records,
      requestKey: request.key,
      deployment: deployment.name,
      arm,
    });
  }

  private async lookup(name: string): Promise<Deployment> {
    const now = this.clock.now();
    const cached = this.cache.get(name);
    if (cached && cached.until > now) return cached.deployment;
    let deployment: Deployment;
    try {
      deployment = await this.deployments.get(name);
    } catch (error) {
      // The store is unreachable (restarting, failing over): keep routing as last read rather
      // than refuse every request; a deployment that no longer exists is refused at once.
      if (!cached || isMloopError(error)) throw error;
      this.options.logger?.warn(
        { err: error, deployment: name },
        'cannot read deployment; routing as last read',
      );
      // Asked again after another cache period, not on every request meanwhile.
      this.cache.set(name, { deployment: cached.deployment, until: now + this.cacheMs });
      return cached.deployment;
    }
    this.cache.set(name, { deployment, until: now + this.cacheMs });
    return deployment;
  }
}

/** `churn/3` for a version number, `churn@production` for an alias: serving's reference forms. */
export function modelRef(model: string, version: VersionRef): string {
  return isVersionNumber(version) ? `${model}/${version}` : `${model}@${version}`;
}
