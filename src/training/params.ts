import { invalidParameter } from '../core/errors.js';
import type { RawParams } from './learner.js';

/**
 * Reading hyperparameters given as `--param key=value` or by a search space: values may arrive as
 * strings, so each reader parses, checks the range and names the parameter when it is wrong.
 */

export interface NumberRule {
  min?: number;
  max?: number;
  /** The bound itself is not allowed (`l2 > 0`). */
  exclusiveMin?: boolean;
  integer?: boolean;
}

/** A numeric parameter, or `fallback` when absent. */
export function numberParam(raw: RawParams, key: string, fallback: number, rule: NumberRule = {}): number {
  const given = raw[key];
  if (given === undefined) return fallback;
  const value =
    typeof given === 'number'
      ? given
      : typeof given === 'string' && given.trim() !== ''
        ? Number(given)
        : NaN;
  const what = rule.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw invalidParameter(`params.${key}`, `parameter ${key} must be ${what}, got ${JSON.stringify(given)}`);
  }
  const low = rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min);
  if (low || (rule.max !== undefined && value > rule.max)) {
    const lower = rule.min === undefined ? '' : `${rule.exclusiveMin ? '>' : '≥'} ${rule.min}`;
    const upper = rule.max === undefined ? '' : `≤ ${rule.max}`;
    const range = [lower, upper].filter(Boolean).join(' and ');
    throw invalidParameter(`params.${key}`, `parameter ${key} must be ${range}, got ${value}`);
  }
  return value;
}

/** A parameter that takes one of `choices`, or `fallback` when absent. */
export function choiceParam<T extends string>(
  raw: RawParams,
  key: string,
  choices: readonly T[],
  fallback: T,
): T {
  const given = raw[key];
  if (given === undefined) return fallback;
  if (!choices.includes(String(given) as T)) {
    throw invalidParameter(
      `params.${key}`,
      `parameter ${key} must be one of ${choices.join(', ')}, got ${JSON.stringify(given)}`,
    );
  }
  return String(given) as T;
}

/** Fails on a parameter the learner does not know, listing those it does. */
export function rejectUnknownParams(raw: RawParams, known: readonly string[], learner: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw invalidParameter(
        `params.${key}`,
        `${learner} has no parameter "${key}"; it takes ${known.join(', ')}`,
      );
    }
  }
}
