import type { VersionRef } from './types.js';

/**
 * What deployments need of the model registry, as a narrow port: the platform adapts the
 * registry's service to it, and tests may pass a small fake.
 */
export interface ModelVersions {
  /**
   * The version number `ref` names in registered model `model`: an alias is looked up, a number
   * is checked to exist. Fails with a not-found `MloopError` otherwise.
   */
  resolve(model: string, ref: VersionRef): Promise<number>;
  /** Points `alias` of `model` at `version`, recording `reason`. */
  moveAlias(model: string, alias: string, version: number, reason: string): Promise<void>;
  /** Why `alias` could not move to `version` now (say, a failed gate), or undefined when it could. */
  promotionBlock?(model: string, alias: string, version: number): Promise<string | undefined>;
  /**
   * Why `deployment`'s rollout may not move `alias` to `version` (four-eyes: no approved promotion
   * request for it), or undefined when it may. Asked before a rollout starts and when it completes.
   */
  rolloutBlock?(
    deployment: string,
    model: string,
    alias: string,
    version: number,
  ): Promise<string | undefined>;
}
