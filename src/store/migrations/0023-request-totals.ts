import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Each server's cumulative request and error counts per model version, as its counters hold them:
// error-rate rules on models sum every server's row, so the evaluating leader sees all traffic.
export const requestTotals: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('request_totals')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('requests', 'int8', (c) => c.notNull())
    .addColumn('errors', 'int8', (c) => c.notNull())
    .addPrimaryKeyConstraint('request_totals_pk', ['owner', 'model', 'version'])
    .execute();
};
