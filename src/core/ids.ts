import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

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

const idBytes = 12;
/**
 * Random bytes for `newId`, drawn from the CSPRNG 256 ids at a time, as Node does for randomUUID:
 * one call for 12 bytes costs about as much as one for 3 KB (~15 µs here), and serving takes
 * two ids per scored record.
 */
const idPool = Buffer.alloc(idBytes * 256);
let idPoolOffset = idPool.length;

/** A prefixed opaque id for mloop's own objects (`pred_…`, `ds_…`). */
export function newId(prefix: string): string {
  if (idPoolOffset + idBytes > idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  const hex = idPool.toString('hex', idPoolOffset, idPoolOffset + idBytes);
  idPoolOffset += idBytes;
  return `${prefix}_${hex}`;
}
