import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../registry/model-metadata.js';
import { PersonalData, piiHashKey } from './personal-data.js';

const home = mkdtempSync(join(tmpdir(), 'mloop-pii-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const inputs: FeatureSpec[] = [
  { name: 'amount', type: 'float32' },
  { name: 'email', type: 'string', pii: true },
  { name: 'customer', type: 'string', pii: 'hash' },
  { name: 'phone', type: 'string', pii: 'redact' },
  { name: 'age', type: 'int64', pii: false },
];
const key = Buffer.from('a key of at least sixteen characters');
const personal = new PersonalData(() => key);

describe('PersonalData', () => {
  it('redacts inputs marked true or redact, hashes those marked hash, keeps the rest', () => {
    const logged = personal.protect(
      { amount: 3.5, email: 'a@b.c', customer: 'c-17', phone: '555', age: 40 },
      inputs,
    );
    const hmac = createHmac('sha256', key).update('c-17').digest('hex').slice(0, 32);
    expect(logged).toEqual({
      amount: 3.5,
      email: '[redacted]',
      customer: `hmac:${hmac}`,
      phone: '[redacted]',
      age: 40,
    });
  });

  it('gives equal values the same hash and different values different hashes', () => {
    expect(personal.hash('c-17')).toBe(personal.hash('c-17'));
    expect(personal.hash('c-17')).not.toBe(personal.hash('c-18'));
    // An id sent as a number or as its text is the same subject.
    expect(personal.hash(42)).toBe(personal.hash('42'));
    expect(new PersonalData(() => Buffer.from('another key, also long enough')).hash('c-17')).not.toBe(
      personal.hash('c-17'),
    );
  });

  it('leaves the caller record untouched, and missing values missing', () => {
    const record = { amount: 1, email: null, customer: 'c-1' };
    const logged = personal.protect(record, inputs);
    expect(record.customer).toBe('c-1');
    expect(logged.email).toBeNull();
    expect(logged).not.toHaveProperty('phone');
  });

  it('returns the same record when no input is personal, without reading the key', () => {
    const unkeyed = new PersonalData(() => {
      throw new Error('the key was read');
    });
    const record = { amount: 1 };
    expect(unkeyed.protect(record, [{ name: 'amount', type: 'float32' }])).toBe(record);
    expect(unkeyed.protect({ email: 'x' }, inputs)).toEqual({ email: '[redacted]' });
  });
});

describe('piiHashKey', () => {
  it('generates a 32-byte key once, readable by its owner only, and reads it back after', () => {
    const path = join(home, 'generated', 'pii-hash-key');
    const first = piiHashKey(undefined, path);
    expect(first).toHaveLength(32);
    expect(statSync(path).mode & 0o077).toBe(0);
    expect(piiHashKey(undefined, path).equals(first)).toBe(true);
    expect(readFileSync(path, 'utf8').trim()).toBe(first.toString('hex'));
  });

  it('uses the configured key over the file, and refuses a short one', () => {
    const path = join(home, 'unused', 'pii-hash-key');
    expect(piiHashKey('configured-key-long-enough', path).toString()).toBe('configured-key-long-enough');
    expect(() => piiHashKey('short', path)).toThrow(/piiHashKey/);
  });

  it('refuses a key file that was damaged rather than silently changing every hash', () => {
    const path = join(home, 'damaged');
    writeFileSync(path, 'not a key\n');
    expect(() => piiHashKey(undefined, path)).toThrow(/MLOOP_PII_HASH_KEY/);
  });
});
