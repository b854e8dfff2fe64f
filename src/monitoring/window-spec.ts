import { invalidParameter } from '../core/errors.js';

const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A monitoring window's length: `90s`, `15m`, `1h`, `7d`, `2w` (no bare numbers: a window of
 * "60" is ambiguous between seconds and minutes). Returns milliseconds.
 */
export function parseWindowLength(text: string, field = 'window'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * (units[match[2]!] ?? 0)) : Number.NaN;
  if (!(ms > 0)) {
    throw invalidParameter(field, `${field} must be a length of time like 15m, 1h or 7d, got "${text}"`);
  }
  return ms;
}

/** A time range relative to now: `-24h..-1h` is from 24 hours ago to one hour ago. */
export interface RelativeRange {
  /** Offset of the start from now, ms (negative: in the past). */
  startOffsetMs: number;
  /** Offset of the end from now, ms (0 is now). */
  endOffsetMs: number;
}

/** Parses `-24h..-1h` (or `-7d..now`) into offsets from now. */
export function parseRelativeRange(text: string, field = 'reference'): RelativeRange {
  const parts = text.split('..');
  const offset = (part: string | undefined): number => {
    const p = (part ?? '').trim();
    if (p === 'now' || p === '0') return 0;
    if (!p.startsWith('-')) throw invalidParameter(field, rangeHelp(text, field));
    return -parseWindowLength(p.slice(1), field);
  };
  if (parts.length !== 2) throw invalidParameter(field, rangeHelp(text, field));
  const range = { startOffsetMs: offset(parts[0]), endOffsetMs: offset(parts[1]) };
  if (range.startOffsetMs >= range.endOffsetMs) {
    throw invalidParameter(field, `${field} range "${text}" must start before it ends, e.g. -24h..-1h`);
  }
  return range;
}

function rangeHelp(text: string, field: string): string {
  return `${field} range must look like -24h..-1h or -7d..now (offsets from now), got "${text}"`;
}

/** `3600000` → `1h`, for messages and stored rules shown back to people. */
export function formatWindowLength(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = units[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
