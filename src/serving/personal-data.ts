import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { invalidParameter } from '../core/errors.js';
import { piiModeOf, type PiiMode } from '../core/pii-mode.js';
import type { FeatureSpec } from '../registry/model-metadata.js';
import type { FeatureRecord } from './feature-batch.js';

export const redactedValue = '[redacted]';
export const hashPrefix = 'hmac:';
/** 128 bits of the HMAC: ample against collisions among one feature's values, shorter to store. */
const hashHexLength = 32;
const keyBytes = 32;

/**
 * Keeps personal values out of the prediction log: each input a model's signature marks `pii` is
 * replaced, as its marking asks, with `[redacted]` or with `hmac:<hex>` (HMAC-SHA256 of the value's
 * canonical string under the installation's key). The keyed hash lets one subject's rows be grouped
 * and joined, while without the key a value can be neither recovered nor guessed from a dictionary.
 */
export class PersonalData {
  private key: Buffer | undefined;

  /** `key` is read only when a value is first hashed, so models without hashed inputs never need it. */
  constructor(private readonly loadKey: () => Buffer) {}

  /** The record as the log may keep it (the same object when no input is personal). */
  protect(record: FeatureRecord, inputs: readonly FeatureSpec[]): FeatureRecord {
    let copy: FeatureRecord | undefined;
    for (const feature of inputs) {
      const mode = piiModeOf(feature.pii);
      if (mode === undefined || !(feature.name in record)) continue;
      copy ??= { ...record };
      copy[feature.name] = this.replacement(record[feature.name], mode);
    }
    return copy ?? record;
  }

  /** `hmac:<hex>` of a value; equal values (as canonical strings) give equal hashes. */
  hash(value: unknown): string {
    this.key ??= this.loadKey();
    const digest = createHmac('sha256', this.key).update(canonicalString(value)).digest('hex');
    return hashPrefix + digest.slice(0, hashHexLength);
  }

  /**
   * Whether a logged input value is the subject `value`: logged as it was sent (compared as
   * canonical strings, so `42` and `"42"` agree) or logged as its keyed hash.
   */
  isLoggedValueOf(logged: unknown, value: string): boolean {
    if (logged === null || logged === undefined) return false;
    return canonicalString(logged) === value || logged === this.hash(value);
  }

  private replacement(value: unknown, mode: PiiMode): unknown {
    // A missing value stays missing: there is nothing personal to hide, and monitoring counts nulls.
    if (value === null || value === undefined) return value;
    return mode === 'hash' ? this.hash(value) : redactedValue;
  }
}

/**
 * The string a value is hashed as: strings as they are, numbers and booleans as JSON writes them,
 * so `42` sent as a number or as `"42"` groups together (clients differ in how they send ids).
 */
function canonicalString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The hash key: the configured one (its UTF-8 bytes, at least 16 characters), else a random key
 * generated once into `path` (readable by its owner only) and read from there on, so hashes stay
 * stable across restarts.
 */
export function piiHashKey(configured: string | undefined, path: string): Buffer {
  if (configured !== undefined && configured !== '') {
    if (configured.length < 16) {
      throw invalidParameter('piiHashKey', 'piiHashKey (MLOOP_PII_HASH_KEY) must be at least 16 characters');
    }
    return Buffer.from(configured, 'utf8');
  }
  try {
    return readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  // Written whole to a side file, then linked into place: when two processes start at once, one
  // link wins and both read the winner's key; neither ever reads a half-written file.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(keyBytes).toString('hex')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return readKeyFile(path);
}

function readKeyFile(path: string): Buffer {
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw invalidParameter(
      'piiHashKey',
      `${path} does not hold a 32-byte hex key; restore it or set MLOOP_PII_HASH_KEY`,
    );
  }
  return Buffer.from(hex, 'hex');
}
