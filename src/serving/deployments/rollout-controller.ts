import { actingAs } from '../../core/acting-as.js';
import type { BackgroundDuties } from '../../core/background.js';
import type { Clock } from '../../core/clock.js';
import { isMloopError, MloopError } from '../../core/errors.js';
import type { ArmStatsSource } from './arm-stats.js';
import {
  abortRolloutChange,
  advanceChange,
  completeChange,
  rollBackChange,
  startRolloutChange,
} from './deployment-changes.js';
import type { DeploymentService } from './deployments.js';
import { judgeStep, type RolloutDecision } from './rollout-policy.js';
import type { Deployment, RolloutPlan, StatsSnapshot } from './types.js';
import { checkRolloutPlan, isVersionNumber } from './validation.js';

/** The actor the audit trail names for the controller's own decisions. */
export const rolloutActor = 'system:rollout';

export interface RolloutOutcome {
  deployment: string;
  decision: RolloutDecision;
  stats: StatsSnapshot;
  /** False when the deployment changed meanwhile and the decision was dropped. */
  applied: boolean;
}

/**
 * Progressive rollouts: starts and aborts them, and on each `evaluate` judges every running
 * rollout's current step on live statistics (see `judgeStep`), then advances it, completes it
 * by promoting the candidate, or rolls it back. Decisions are applied against the revision they
 * were made on, so a person's change in between wins and the decision is dropped.
 */
export class RolloutController {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly stats: ArmStatsSource,
    private readonly clock: Clock,
  ) {}

  /** Starts rolling out the deployment's candidate along `plan` (defaults fill what is left out). */
  async start(name: string, plan?: Partial<RolloutPlan>, reason?: string): Promise<Deployment> {
    const checked = checkRolloutPlan(plan);
    await this.checkPromotable(await this.deployments.get(name));
    return this.deployments.change(name, startRolloutChange(checked, reason));
  }

  /**
   * A rollout ends by moving the primary's alias to the candidate: when the registry would refuse
   * that now (the candidate failed its gate, say), or four-eyes wants an approval it lacks, the
   * rollout is refused up front with the reason, rather than after the canary has taken traffic.
   */
  private async checkPromotable(deployment: Deployment): Promise<void> {
    const { candidate, primary, model } = deployment;
    const versions = this.deployments.versions;
    if (!candidate || isVersionNumber(primary) || !versions) return;
    const version = await this.deployments.versionOf(model, candidate.version);
    if (version === undefined) return;
    const blocked = await versions.promotionBlock?.(model, primary, version);
    if (blocked)
      throw new MloopError(
        'INVALID_STATE',
        `a rollout of '${deployment.name}' would end by moving ${model}@${primary} to version ${version}, which the registry refuses: ${blocked}`,
        'candidate',
      );
    const unapproved = await versions.rolloutBlock?.(deployment.name, model, primary, version);
    if (unapproved) throw new MloopError('PERMISSION_DENIED', unapproved);
  }

  /** Stops a running rollout: the candidate's share drops to 0 and nothing is promoted. */
  async abort(name: string, reason?: string): Promise<Deployment> {
    return this.deployments.change(name, abortRolloutChange(reason));
  }

  /**
   * Judges every running rollout at time `now` and acts on the decisions, as `system:rollout`
   * (the audit trail names the controller, not whoever happened to trigger the tick).
   */
  async evaluate(now: number = this.clock.now()): Promise<RolloutOutcome[]> {
    return actingAs({ actor: rolloutActor, via: 'system' }, async () => {
      const outcomes: RolloutOutcome[] = [];
      for (const deployment of await this.deployments.listRollingOut()) {
        outcomes.push(await this.evaluateOne(deployment, now));
      }
      return outcomes;
    });
  }

  /** The statistics of the current step's window of a deployment. */
  async snapshot(deployment: Deployment): Promise<StatsSnapshot> {
    const since = deployment.rollout?.stepStartedTime ?? 0;
    return {
      primary: await this.stats.stats(deployment.name, 'primary', since),
      candidate: await this.stats.stats(deployment.name, 'candidate', since),
      sinceTime: since,
    };
  }

  private async evaluateOne(deployment: Deployment, now: number): Promise<RolloutOutcome> {
    const rollout = deployment.rollout;
    const stats = await this.snapshot(deployment);
    if (!rollout)
      return {
        deployment: deployment.name,
        decision: { action: 'wait', reason: 'no rollout' },
        stats,
        applied: false,
      };
    const decision = judgeStep(rollout.plan, rollout, now, stats);
    const options = { expectedRevision: deployment.revision };
    const outcome = { deployment: deployment.name, decision, stats, applied: true };
    try {
      switch (decision.action) {
        case 'wait':
          return { ...outcome, applied: false };
        case 'advance':
          await this.deployments.change(
            deployment.name,
            advanceChange(rollout.stepIndex, decision.reason, stats),
            options,
          );
          return outcome;
        case 'rollback':
          await this.deployments.change(
            deployment.name,
            rollBackChange(`automatic rollback: ${decision.reason}`, stats),
            options,
          );
          return outcome;
        case 'complete':
          await this.promote(deployment, rollout.stepIndex, decision.reason, stats);
          return outcome;
      }
    } catch (error) {
      // Someone changed the deployment since it was read: their change stands, judge again next time.
      if (isMloopError(error) && error.code === 'INVALID_STATE') return { ...outcome, applied: false };
      throw error;
    }
  }

  /**
   * Makes the candidate the primary. A primary that follows an alias keeps following it, and the
   * alias moves to the candidate's version in the registry (with the reason); a pinned primary is
   * re-pinned to the candidate's version.
   */
  private async promote(
    deployment: Deployment,
    step: number,
    reason: string,
    stats: StatsSnapshot,
  ): Promise<void> {
    const candidate = deployment.candidate;
    if (!candidate) return;
    const versions = this.deployments.versions;
    const resolved = await this.deployments.versionOf(deployment.model, candidate.version);
    const candidateVersion = resolved === undefined ? candidate.version : String(resolved);
    let newPrimary = candidateVersion;
    if (versions && resolved !== undefined && !isVersionNumber(deployment.primary)) {
      try {
        // Approved when the rollout started, but checked again: the alias never moves without it.
        const unapproved = await versions.rolloutBlock?.(
          deployment.name,
          deployment.model,
          deployment.primary,
          resolved,
        );
        if (unapproved) throw new MloopError('PERMISSION_DENIED', unapproved);
        await versions.moveAlias(
          deployment.model,
          deployment.primary,
          resolved,
          `deployment '${deployment.name}' rollout completed: ${reason}`,
        );
      } catch (error) {
        // The registry refused the move (the version failed its gate, say): the candidate cannot
        // become what the primary alias serves, so it is rolled back with the registry's reason
        // instead of the rollout retrying, unseen, on every tick.
        if (!isMloopError(error)) throw error;
        await this.deployments.change(
          deployment.name,
          rollBackChange(`promotion refused: ${error.message}`, stats),
          { expectedRevision: deployment.revision },
        );
        return;
      }
      newPrimary = deployment.primary;
    }
    await this.deployments.change(
      deployment.name,
      completeChange(step, newPrimary, reason, stats, candidateVersion),
      { expectedRevision: deployment.revision },
    );
  }
}

/**
 * Runs `evaluate` every `intervalMs` until stopped (the server does this), as the background duty
 * `rollout-judging`: a failed evaluation is logged, counted and retried. One evaluation at a time:
 * a slow one delays the next instead of overlapping it. Returns the stop function.
 */
export function startRolloutTicker(
  controller: RolloutController,
  intervalMs: number,
  duties: BackgroundDuties,
): () => Promise<void> {
  return duties.every('rollout-judging', intervalMs, () => controller.evaluate(), { once: true }).stop;
}
