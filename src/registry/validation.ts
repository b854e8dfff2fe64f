import { invalidParameter } from '../core/errors.js';
import { checkKey, checkLength } from '../tracking/limits.js';
import type { Tag } from '../tracking/types.js';

/** MLflow's registry limits, so a client that works against MLflow works against mloop. */
export const registryLimits = {
  nameLength: 256,
  tagKeyLength: 250,
  tagValueLength: 100_000,
  aliasLength: 255,
  descriptionLength: 100_000,
} as const;

/** A registered model name: non-empty, without `/` or `:` (they would break `models:/` URIs). */
export function checkModelName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw invalidParameter(field, `Missing value for required parameter '${field}'.`);
  if (name.includes('/') || name.includes(':'))
    throw invalidParameter(field, `Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  return checkLength(name, registryLimits.nameLength, field);
}

/** A version number, given as a number or as MLflow's string. */
export function checkVersion(version: unknown, field = 'version'): number {
  const n = typeof version === 'string' && /^\d+$/.test(version.trim()) ? Number(version) : version;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
    throw invalidParameter(
      field,
      `Parameter '${field}' must be a positive integer, got '${String(version)}'.`,
    );
  return n;
}

/**
 * An alias: letters, digits, `_` and `-`; not `latest` and not `v<digits>`, which MLflow reserves
 * for version references.
 */
export function checkAlias(alias: unknown, field = 'alias'): string {
  if (typeof alias !== 'string' || alias === '')
    throw invalidParameter(field, 'Registered model alias name cannot be empty.');
  if (!/^[\w-]+$/.test(alias))
    throw invalidParameter(
      field,
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_) and dashes (-).`,
    );
  if (alias.toLowerCase() === 'latest')
    throw invalidParameter(field, "'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw invalidParameter(field, `Version alias name '${alias}' is reserved.`);
  return checkLength(alias, registryLimits.aliasLength, field);
}

export function checkRegistryTag(tag: Tag, field = 'tag'): Tag {
  checkKey(tag.key, `${field}.key`);
  checkLength(tag.key, registryLimits.tagKeyLength, `${field}.key`);
  if (typeof tag.value !== 'string')
    throw invalidParameter(`${field}.value`, `${field}.value must be a string`);
  checkLength(tag.value, registryLimits.tagValueLength, `${field}.value`);
  return tag;
}

export function checkDescription(description: string | undefined, field = 'description'): string | null {
  if (description === undefined || description === '') return null;
  return checkLength(description, registryLimits.descriptionLength, field);
}
