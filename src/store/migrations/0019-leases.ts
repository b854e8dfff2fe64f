import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// One row per duty that must run on one process at a time (alert evaluation, cron, rollout
// judging): who holds it and until when. A holder renews before expires_at; past it, anyone may take it.
export const leases: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'int8', (c) => c.notNull())
    .execute();
};
