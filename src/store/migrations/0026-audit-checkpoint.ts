import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Where the audit chain starts once retention removed its oldest entries: the seq and hash of the
// last entry removed, which the first kept entry's prev_hash must match, sealed with a MAC under
// the same key as the head so that only a holder of the key can move it (cutting the oldest
// entries without it shows, as cutting the newest does). One row (id 1), absent until retention ran.
export const auditCheckpoint: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('audit_checkpoint')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('mac', 'text', (c) => c.notNull())
    .execute();
};
