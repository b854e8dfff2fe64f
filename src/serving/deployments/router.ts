import { createHash } from 'node:crypto';
import type { RandomSource } from './random.js';
import type { AnsweringArm, Candidate } from './types.js';

/** What the router needs of a deployment. */
export interface RoutingTarget {
  name: string;
  candidate?: Candidate | undefined;
}

export interface RouteRequest {
  /**
   * Identifies the caller for A/B assignment (a user or session id). Without one an A/B
   * deployment assigns the request at random, like a canary, so it is not sticky.
   */
  key?: string | undefined;
}

export interface RouteDecision {
  /** The arm whose prediction is returned. */
  answer: AnsweringArm;
  /** Also score the request on the candidate, after answering, and log it under arm `shadow`. */
  shadow: boolean;
}

/**
 * Chooses the arm that answers a request and whether a shadow copy is scored:
 * - no candidate (or 0%): the primary answers;
 * - `canary`: the candidate answers when `random() * 100 < percent`, so 100% always, 0% never;
 * - `shadow`: the primary answers; a copy goes to the candidate when `random() * 100 < percent`;
 * - `ab`: the candidate answers when the key's bucket (`abBucket`) is below `percent`.
 */
export function route(target: RoutingTarget, request: RouteRequest, random: RandomSource): RouteDecision {
  const candidate = target.candidate;
  if (!candidate || candidate.percent <= 0) return { answer: 'primary', shadow: false };
  switch (candidate.mode) {
    case 'canary':
      return { answer: random() * 100 < candidate.percent ? 'candidate' : 'primary', shadow: false };
    case 'shadow':
      return { answer: 'primary', shadow: random() * 100 < candidate.percent };
    case 'ab': {
      const bucket = request.key === undefined ? random() * 100 : abBucket(target.name, request.key);
      return { answer: bucket < candidate.percent ? 'candidate' : 'primary', shadow: false };
    }
  }
}

/**
 * The A/B bucket of a request key, uniform in [0, 100): the first 48 bits of
 * sha256(`deployment` + NUL + `key`) scaled to 100. Deterministic across processes and restarts,
 * so a key always meets the same arm while the split stands; independent between deployments
 * (the name salts it); and monotonic in the split: raising the candidate's share from 20% to 50%
 * keeps every key that had the candidate on it.
 */
export function abBucket(deployment: string, key: string): number {
  const digest = createHash('sha256').update(`${deployment}\u0000${key}`).digest();
  return (digest.readUIntBE(0, 6) / 2 ** 48) * 100;
}
