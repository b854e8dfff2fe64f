import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * Runs `work` in a transaction that holds the lock `name` from its first statement, so writers
 * that read then write (the next audit seq after the head) never interleave, across processes too.
 * PostgreSQL: a transaction-scoped advisory lock on the name's hash. SQLite: BEGIN IMMEDIATE, the
 * database's one write lock, taken before the read (a deferred BEGIN would read, then fail to
 * upgrade when another process wrote in between).
 */
export async function serializedTransaction<T, Tables>(
  database: Database,
  name: string,
  work: (tx: Kysely<Tables>) => Promise<T>,
): Promise<T> {
  const db = database.tables<Tables>();
  if (database.dialect === 'postgres') {
    return db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(tx);
      return work(tx);
    });
  }
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}
