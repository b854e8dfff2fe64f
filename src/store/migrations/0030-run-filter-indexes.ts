import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// A param or tag equality filter in a run search is checked run by run while the runs are walked
// newest first (the page stops the walk). With the run id in the (key, value) index that check is
// one lookup in the index alone, among the few pages holding that key and value, instead of a
// visit to the row through the (run id, key) key: params.p0 = 'v-7' over 300,000 runs on
// PostgreSQL, 105 -> 37-49 ms in the database. The new index serves every query the old one did.
export const runFilterIndexes: MigrationStep = async (db: Kysely<unknown>) => {
  for (const table of ['params', 'tags']) {
    await db.schema
      .createIndex(`${table}_key_value_run`)
      .on(table)
      .columns(['key', 'value', 'run_id'])
      .execute();
    await db.schema.dropIndex(`${table}_key_value`).execute();
  }
};
