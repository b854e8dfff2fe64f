import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Personal columns of a dataset version (JSON: column → redact|hash), so models trained on the
// version mark those inputs personal. Null for versions added without any.
export const datasetPii: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema.alterTable('dataset_versions').addColumn('pii', 'text').execute();
};
