import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { piiHashKey } from '../serving/personal-data.js';

/**
 * The key sealing the audit log's head: derived from the server's secret key (MLOOP_PII_HASH_KEY,
 * or the key file generated in its home), so it lives outside the database and every server
 * sharing that key seals the same head. Loaded on first use.
 */
export function auditHeadKey(config: Pick<Config, 'piiHashKey' | 'home'>): () => Buffer {
  let key: Buffer | undefined;
  return () => {
    key ??= createHmac('sha256', piiHashKey(config.piiHashKey, join(config.home, 'pii-hash-key')))
      .update('mloop audit head')
      .digest();
    return key;
  };
}
