import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// A promotion request may be for a deployment's rollout: its approval then lets that rollout start
// and, when it completes, move the protected alias, instead of moving the alias at once.
export const promotionRequestDeployment: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema.alterTable('promotion_requests').addColumn('deployment', 'text').execute();
};
