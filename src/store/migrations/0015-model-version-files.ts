import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

// Each registered version's files as registered (JSON: [{path, size, sha256}]), checked whenever
// the version is loaded. Null for versions registered before files were copied and recorded.
export const modelVersionFiles: MigrationStep = async (db: Kysely<unknown>) => {
  await db.schema.alterTable('model_versions').addColumn('files', 'text').execute();
};
