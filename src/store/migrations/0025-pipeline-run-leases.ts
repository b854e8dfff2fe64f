import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Pipeline runs and their steps hold leases: the id of the process driving them (a server, the
// CLI, or for a step on BullMQ the worker running it) and until when. The owner extends the
// expiry on a heartbeat; a RUNNING run past it is failed, resumably, by any live process. A run
// left RUNNING before this step has no lease, so it reads as expired.
export const pipelineRunLeases: MigrationStep = async (db: Kysely<unknown>) => {
  for (const table of ['pipeline_runs', 'step_runs']) {
    await db.schema.alterTable(table).addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable(table).addColumn('lease_expires_at', 'int8').execute();
  }
  await db.schema
    .createIndex('pipeline_runs_lease')
    .on('pipeline_runs')
    .columns(['status', 'lease_expires_at'])
    .execute();
};
