import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

interface Tables {
  experiments: { experiment_id: string; creation_time: number; last_update_time: number };
  runs: { start_time: number };
}

// Step 0001 wrote the Default experiment (id "0") with creation time 0, which every listing showed
// as 1970-01-01. It gets the earliest time the store knows of: its first run or experiment, or now
// for a new store (migrations run when the store is created, as MLflow stamps its Default then).
// Migrations have no injected clock, hence Date.now().
export const defaultExperimentTime: MigrationStep = async (raw: Kysely<unknown>) => {
  const db = raw as Kysely<Tables>;
  const firstRun = await db
    .selectFrom('runs')
    .select((eb) => eb.fn.min('start_time').as('time'))
    .where('start_time', '>', 0)
    .executeTakeFirst();
  const firstExperiment = await db
    .selectFrom('experiments')
    .select((eb) => eb.fn.min('creation_time').as('time'))
    .where('creation_time', '>', 0)
    .executeTakeFirst();
  const known = [firstRun?.time, firstExperiment?.time].filter((t) => t !== null && t !== undefined);
  const time = Math.min(Date.now(), ...known.map(Number));
  await db
    .updateTable('experiments')
    .set({ creation_time: time })
    .where('experiment_id', '=', '0')
    .where('creation_time', '=', 0)
    .execute();
  await db
    .updateTable('experiments')
    .set({ last_update_time: time })
    .where('experiment_id', '=', '0')
    .where('last_update_time', '<', time)
    .execute();
};
