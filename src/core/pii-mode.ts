import { invalidParameter } from './errors.js';

/**
 * How a personal value is kept out of the prediction log: `redact` replaces it with a marker,
 * `hash` with a keyed hash, so one subject's rows can still be grouped and joined.
 */
export const piiModes = ['redact', 'hash'] as const;
export type PiiMode = (typeof piiModes)[number];

/** A feature's `pii` marking as model signatures write it: `true` means `redact`. */
export type PiiMarking = boolean | PiiMode;

export function isPiiMarking(value: unknown): value is PiiMarking {
  return typeof value === 'boolean' || piiModes.includes(value as PiiMode);
}

/** The mode a marking asks for, or undefined when the feature is not personal. */
export function piiModeOf(marking: PiiMarking | undefined): PiiMode | undefined {
  if (marking === true) return 'redact';
  return marking === false || marking === undefined ? undefined : marking;
}

/**
 * Parses `email,phone:hash,name:redact` (a column without a mode is redacted) into column → mode.
 * `field` names the flag or request field in errors.
 */
export function parsePiiColumns(text: string, field: string): Record<string, PiiMode> {
  const columns: Record<string, PiiMode> = {};
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const at = part.lastIndexOf(':');
    const name = at < 0 ? part : part.slice(0, at).trim();
    const mode = at < 0 ? 'redact' : part.slice(at + 1).trim();
    if (name === '') throw invalidParameter(field, `"${part}" names no column: give COLUMN or COLUMN:hash`);
    if (!piiModes.includes(mode as PiiMode)) {
      throw invalidParameter(field, `"${part}": the mode must be redact or hash, got "${mode}"`);
    }
    columns[name] = mode as PiiMode;
  }
  return columns;
}
