import { sql, type Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// The audit log's kind of change (model, alias, deployment…: `mloop audit --kind`), and its head:
// the last entry's seq and hash with a MAC under a key kept outside the database, updated in the
// same transaction as each append. Deleting the newest entries then leaves a head that names an
// entry no longer there, and rewriting the head needs the key. The one row also serializes
// writers. Entries written before this step keep kind null and are read by their action.
export const auditAnchor: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema.alterTable('audit_log').addColumn('kind', 'text').execute();
  await db.schema.createIndex('audit_log_kind').on('audit_log').columns(['kind', 'seq']).execute();
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('mac', 'text')
    .execute();
  // Sealed (mac) by the first append under the key; until then it only records the tail it found.
  await sql`insert into audit_head (id, seq, hash, mac)
            select 1, coalesce(max(seq), 0),
                   coalesce((select hash from audit_log order by seq desc limit 1), ${'0'.repeat(64)}), null
            from audit_log`.execute(db);
};
