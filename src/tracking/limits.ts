import { invalidParameter } from '../core/errors.js';
import type { Metric, Param, Tag } from './types.js';

/** MLflow's limits, kept so a client that works against MLflow works against mloop and vice versa. */
export const limits = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  experimentTagValueLength: 20000,
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  datasetNameLength: 500,
  // MLflow allows 36; a mloop dataset version's digest is a whole sha256 (64 hex), stored uncut
  // so lineage finds models by the same digest the dataset version has.
  datasetDigestLength: 64,
  datasetSourceLength: 65535,
  datasetSchemaLength: 1048575,
  inputTagKeyLength: 255,
  inputTagValueLength: 500,
  maxResults: 50000,
} as const;

const keyPattern = /^[/\w.\- :]*$/;

/**
 * A param, metric or tag key: letters, digits, `_ - . : /` and spaces, and it must not change
 * when read as a POSIX path (no `..`, no leading `/`, no `./`), as MLflow requires.
 */
export function checkKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || key === '')
    throw invalidParameter(field, `${field} must be a non-empty string`);
  if (key.length > limits.keyLength) {
    throw invalidParameter(
      field,
      `${field} "${key.slice(0, 40)}…" exceeds the maximum length of ${limits.keyLength}`,
    );
  }
  if (!keyPattern.test(key)) {
    throw invalidParameter(
      field,
      `invalid ${field} "${key}": names may only contain alphanumerics, underscores (_), dashes (-), periods (.), colons (:), spaces ( ) and slashes (/)`,
    );
  }
  if (!isStablePath(key)) {
    throw invalidParameter(
      field,
      `invalid ${field} "${key}": names must not resolve to another path (no "..", "./" or leading "/")`,
    );
  }
  return key;
}

function isStablePath(name: string): boolean {
  if (name.startsWith('/')) return false;
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return false;
  return true;
}

export function checkLength(value: string, max: number, field: string): string {
  if (value.length > max) {
    throw invalidParameter(field, `${field} is ${value.length} characters long, over the maximum of ${max}`);
  }
  return value;
}

export function checkParam(param: Param, field: string): Param {
  checkKey(param.key, `${field}.key`);
  if (typeof param.value !== 'string')
    throw invalidParameter(`${field}.value`, `${field}.value must be a string`);
  checkLength(param.value, limits.paramValueLength, `${field}.value`);
  return param;
}

export function checkTag(tag: Tag, field: string, maxValue: number = limits.tagValueLength): Tag {
  checkKey(tag.key, `${field}.key`);
  if (typeof tag.value !== 'string')
    throw invalidParameter(`${field}.value`, `${field}.value must be a string`);
  checkLength(tag.value, maxValue, `${field}.value`);
  return tag;
}

export function checkMetric(metric: Metric, field: string): Metric {
  checkKey(metric.key, `${field}.key`);
  if (typeof metric.value !== 'number')
    throw invalidParameter(`${field}.value`, `${field}.value must be a number`);
  checkInteger(metric.timestamp, `${field}.timestamp`);
  checkInteger(metric.step, `${field}.step`);
  return metric;
}

export function checkInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidParameter(field, `${field} must be an integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkBatchSizes(metrics: number, params: number, tags: number): void {
  const over = (what: string, limit: number, got: number) =>
    invalidParameter(
      what,
      `a batch can contain at most ${limit} ${what}, got ${got}: split them across several requests`,
    );
  if (metrics > limits.metricsPerBatch) throw over('metrics', limits.metricsPerBatch, metrics);
  if (params > limits.paramsPerBatch) throw over('params', limits.paramsPerBatch, params);
  if (tags > limits.tagsPerBatch) throw over('tags', limits.tagsPerBatch, tags);
  const total = metrics + params + tags;
  if (total > limits.entitiesPerBatch) throw over('metrics, params and tags', limits.entitiesPerBatch, total);
}

export function checkMaxResults(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > limits.maxResults) {
    throw invalidParameter(
      'max_results',
      `max_results must be an integer between 1 and ${limits.maxResults}, got ${value}`,
    );
  }
  return value;
}
