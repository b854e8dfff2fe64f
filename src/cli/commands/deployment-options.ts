import { invalidParameter } from '../../core/errors.js';

/** `30`, `30%` or `12.5` → 30, 30, 12.5; 0..100. */
export function parsePercent(value: string): number {
  const n = Number(value.trim().replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw invalidParameter('percent', `--percent must be a number from 0 to 100, got "${value}"`);
  }
  return n;
}

/** `5,25,50,100` (a `%` after each is allowed) → [5, 25, 50, 100]; the service checks the order. */
export function parseSteps(value: string): number[] {
  return value.split(',').map((step) => {
    const n = Number(step.trim().replace(/%$/, ''));
    if (step.trim() === '' || !Number.isFinite(n)) {
      throw invalidParameter('plan.steps', `--steps must list percentages like 5,25,50,100, got "${value}"`);
    }
    return n;
  });
}

/** A rate as `1%` or `0.01` → 0.01. */
export function parseRate(name: string): (value: string) => number {
  return (value) => {
    const text = value.trim();
    const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
    if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw invalidParameter(name, `${name} must be a rate like 1% or 0.01, got "${value}"`);
    }
    return n;
  };
}

export function parsePositiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw invalidParameter(name, `${name} must be a number above 0, got "${value}"`);
    }
    return n;
  };
}

export function parseCount(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
      throw invalidParameter(name, `${name} must be a whole number of at least 0, got "${value}"`);
    }
    return n;
  };
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `1h`; a bare number is seconds. Returns milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim());
  const amount = Number(match?.[1]);
  if (!match || !Number.isFinite(amount)) {
    throw invalidParameter('plan.minDurationMs', `--min-duration must be like 30s, 5m or 1h, got "${value}"`);
  }
  return Math.round(amount * (units[match[2] ?? 's'] ?? 1000));
}
