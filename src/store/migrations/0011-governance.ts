import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Governance: API tokens (only their sha256 is kept), project membership with a role, the
// project an object belongs to (absent = `default`), pending promotion requests of protected
// aliases, and the hash-chained audit log. `seq` is assigned by the writer, not by the database,
// because each entry's hash covers it and both dialects must agree on it.
export const governance: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('is_admin', 'integer', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('last_used_time', 'bigint')
    .addColumn('revoked_time', 'bigint')
    .execute();

  await db.schema
    .createTable('project_members')
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_members_pk', ['project', 'user_name'])
    .execute();

  await db.schema
    .createTable('object_projects')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('object_projects_pk', ['kind', 'object_key'])
    .execute();

  await db.schema
    .createTable('promotion_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_time', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_time', 'bigint')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('object_kind', 'text')
    .addColumn('object_id', 'text')
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .addColumn('ip', 'text')
    .addColumn('request_id', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'time']).execute();
  await db.schema
    .createIndex('audit_log_object')
    .on('audit_log')
    .columns(['object_kind', 'object_id'])
    .execute();
};
