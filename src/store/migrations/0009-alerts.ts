import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Alert rules (what to watch, the threshold, the window, where to send) with the state of their
// last evaluation, and the alerts they raised: one row per firing, resolved in place, with the
// webhook's delivery status. Booleans are integers so both dialects read them alike.
export const alerts: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('alert_rules')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('window_ms', 'bigint', (c) => c.notNull())
    .addColumn('metric', 'text')
    .addColumn('reference', 'text')
    .addColumn('all_versions', 'integer', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('cooldown_ms', 'bigint', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .addColumn('last_evaluated_time', 'bigint')
    .addColumn('last_value', 'double precision')
    .addColumn('last_outcome', 'text')
    .addColumn('last_message', 'text')
    .execute();

  // No foreign key to alert_rules: the alerts of a deleted rule stay readable.
  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('fired_time', 'bigint', (c) => c.notNull())
    .addColumn('resolved_time', 'bigint')
    .addColumn('resolved_value', 'double precision')
    .addColumn('webhook_status', 'text', (c) => c.notNull())
    .addColumn('webhook_attempts', 'integer', (c) => c.notNull())
    .addColumn('webhook_error', 'text')
    .addColumn('webhook_time', 'bigint')
    .execute();
  await db.schema.createIndex('alerts_rule_fired').on('alerts').columns(['rule', 'fired_time']).execute();
  await db.schema.createIndex('alerts_fired').on('alerts').columns(['fired_time', 'id']).execute();
  await db.schema.createIndex('alerts_status').on('alerts').columns(['rule', 'status']).execute();
};
