import type { PromotionRequestService } from './promotion-requests.js';

/** Why a rollout may not move an alias now, or undefined when it may. */
export type RolloutApprovalCheck = (
  deployment: string,
  model: string,
  alias: string,
  version: number,
) => Promise<string | undefined>;

/**
 * Four-eyes over rollouts: a rollout that ends by moving a protected alias needs a promotion
 * request for that deployment, model, alias and version, approved by a second maintainer, before
 * it starts and again when it completes. Without four-eyes every rollout may proceed.
 */
export function rolloutApprovalCheck(
  requests: Pick<PromotionRequestService, 'approvedRollout'>,
  settings: { fourEyes: boolean; protectedAliases: readonly string[] },
): RolloutApprovalCheck {
  const guarded = new Set(settings.protectedAliases.map((a) => a.toLowerCase()));
  return async (deployment, model, alias, version) => {
    if (!settings.fourEyes || !guarded.has(alias.toLowerCase())) return undefined;
    if (await requests.approvedRollout(deployment, model, alias, version)) return undefined;
    return (
      `four-eyes is on and a rollout of '${deployment}' would end by moving protected alias ${model}@${alias} ` +
      `to version ${version}: request it with POST /api/v1/models/${model}/promotion-requests ` +
      `{"alias": "${alias}", "version": ${version}, "deployment": "${deployment}"} ` +
      `(mloop promotions request ${model} ${alias} ${version} --deployment ${deployment}) ` +
      'and have another maintainer approve it'
    );
  };
}
