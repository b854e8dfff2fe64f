import { sql, type Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// One open alert per rule and model, kept by the database: evaluators on several servers (or a
// leader and its successor overlapping) racing on one breach raise one alert, not one each.
// Duplicates left by such races before this step are resolved first, keeping the newest open.
export const oneOpenAlert: MigrationStep = async (db: Kysely<unknown>) => {
  await sql`
    update alerts set status = 'resolved', resolved_time = fired_time
    where status = 'firing' and exists (
      select 1 from alerts newer
      where newer.rule = alerts.rule and newer.model = alerts.model and newer.status = 'firing'
        and (newer.fired_time > alerts.fired_time or (newer.fired_time = alerts.fired_time and newer.id > alerts.id))
    )`.execute(db);
  // A partial index (both dialects have them): resolved alerts of a rule and model are many.
  await sql`create unique index alerts_one_open on alerts (rule, model) where status = 'firing'`.execute(db);
};
