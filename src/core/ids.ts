import { randomBytes, randomUUID } from 'node:crypto';

/** A run id in MLflow's shape: 32 lowercase hex characters. */
export function newRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * A numeric-string id for experiments. MLflow clients treat ids as opaque strings, but people
 * type experiment ids on the command line, so they stay short digits: milliseconds plus entropy.
 */
export function newNumericId(nowMs: number): string {
  const entropy = randomBytes(2).readUInt16BE(0) % 1000;
  return `${nowMs}${entropy.toString().padStart(3, '0')}`;
}

/** A prefixed opaque id for mloop's own objects (`pred_…`, `ds_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
