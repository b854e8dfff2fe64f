import { invalidParameter } from '../../core/errors.js';
import { candidateModes, type CandidateMode, type RolloutBounds, type RolloutPlan } from './types.js';

// Names appear in URLs (/api/v1/deployments/NAME) and in metric labels: keep them plain.
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// A version number, or an alias as MLflow allows them (no slashes, no spaces).
const refPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

export function checkDeploymentName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw invalidParameter(
      field,
      `${field} must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function checkModelName(model: unknown, field = 'model'): string {
  if (typeof model !== 'string' || model.trim() === '' || model.length > 256) {
    throw invalidParameter(field, `${field} must name a registered model (1 to 256 characters)`);
  }
  return model;
}

/** A version number (`3`) or an alias (`production`); a leading `@` on an alias is accepted. */
export function checkVersionRef(ref: unknown, field: string): string {
  const value = typeof ref === 'string' && ref.startsWith('@') ? ref.slice(1) : ref;
  if (typeof value !== 'string' || !refPattern.test(value)) {
    throw invalidParameter(
      field,
      `${field} must be a version number (e.g. 3) or an alias (e.g. production); got ${JSON.stringify(ref)}`,
    );
  }
  return value;
}

/** True when a reference names a version by number rather than by alias. */
export function isVersionNumber(ref: string): boolean {
  return /^\d+$/.test(ref);
}

export function checkPercent(percent: unknown, field: string): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw invalidParameter(field, `${field} must be a number from 0 to 100; got ${JSON.stringify(percent)}`);
  }
  return percent;
}

export function checkMode(mode: unknown, field = 'mode'): CandidateMode {
  if (!candidateModes.includes(mode as CandidateMode)) {
    throw invalidParameter(
      field,
      `${field} must be one of ${candidateModes.join(', ')}; got ${JSON.stringify(mode)}`,
    );
  }
  return mode as CandidateMode;
}

export function checkDescription(description: unknown, field = 'description'): string | undefined {
  if (description === undefined || description === null) return undefined;
  if (typeof description !== 'string' || description.length > 5000) {
    throw invalidParameter(field, `${field} must be a string of at most 5000 characters`);
  }
  return description;
}

/** Defaults for the parts of a rollout plan left out. */
export const defaultRolloutPlan: RolloutPlan = {
  steps: [5, 25, 50, 100],
  minRequests: 100,
  minDurationMs: 5 * 60_000,
  bounds: { maxErrorRate: 0.01 },
};

/** Checks a (partial) plan, filling in defaults; errors name the field, e.g. `plan.steps[2]`. */
export function checkRolloutPlan(input: Partial<RolloutPlan> | undefined, field = 'plan'): RolloutPlan {
  const plan = { ...defaultRolloutPlan, ...stripUndefined(input ?? {}) };
  if (!Array.isArray(plan.steps) || plan.steps.length === 0 || plan.steps.length > 100) {
    throw invalidParameter(
      `${field}.steps`,
      `${field}.steps must list 1 to 100 percentages, e.g. [5, 25, 50, 100]`,
    );
  }
  plan.steps.forEach((step, i) => {
    const stepField = `${field}.steps[${i}]`;
    checkPercent(step, stepField);
    if (step <= 0) throw invalidParameter(stepField, `${stepField} must be above 0`);
    const previous = plan.steps[i - 1];
    if (previous !== undefined && step <= previous) {
      throw invalidParameter(stepField, `${field}.steps must increase: ${step} follows ${previous}`);
    }
  });
  if (plan.steps[plan.steps.length - 1] !== 100) {
    throw invalidParameter(
      `${field}.steps`,
      `the last of ${field}.steps must be 100, where the candidate is promoted`,
    );
  }
  checkCount(plan.minRequests, `${field}.minRequests`);
  checkCount(plan.minDurationMs, `${field}.minDurationMs`);
  const bounds = checkBounds(plan.bounds, `${field}.bounds`);
  return { steps: [...plan.steps], minRequests: plan.minRequests, minDurationMs: plan.minDurationMs, bounds };
}

function checkBounds(input: RolloutBounds | undefined, field: string): RolloutBounds {
  const bounds: RolloutBounds = {};
  const rate = (key: 'maxErrorRate' | 'maxErrorRateOverPrimary') => {
    const value = input?.[key];
    if (value === undefined) return;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw invalidParameter(
        `${field}.${key}`,
        `${field}.${key} must be a fraction from 0 to 1, e.g. 0.01 for 1%`,
      );
    }
    bounds[key] = value;
  };
  const positive = (key: 'maxP99LatencyMs' | 'maxP99LatencyRatioToPrimary') => {
    const value = input?.[key];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw invalidParameter(`${field}.${key}`, `${field}.${key} must be a number above 0`);
    }
    bounds[key] = value;
  };
  rate('maxErrorRate');
  rate('maxErrorRateOverPrimary');
  positive('maxP99LatencyMs');
  positive('maxP99LatencyRatioToPrimary');
  return bounds;
}

function checkCount(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidParameter(
      field,
      `${field} must be a whole number of at least 0; got ${JSON.stringify(value)}`,
    );
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
