import { Migrator, type Kysely, type Migration } from 'kysely';
import { MloopError } from '../../core/errors.js';
import type { DialectName } from '../database.js';
import { tracking } from './0001-tracking.js';
import { loggedModels } from './0002-logged-models.js';
import { registry } from './0003-registry.js';
import { predictions } from './0004-predictions.js';
import { deployments } from './0005-deployments.js';
import { datasets } from './0006-datasets.js';
import { datasetValidation } from './0007-dataset-validation.js';
import { feedback } from './0008-feedback.js';
import { alerts } from './0009-alerts.js';
import { pipelines } from './0010-pipelines.js';
import { gates } from './0012-gates.js';
import { governance } from './0011-governance.js';
import { datasetPii } from './0013-dataset-pii.js';
import { wholeDatasetDigests } from './0014-whole-dataset-digests.js';
import { modelVersionFiles } from './0015-model-version-files.js';
import { auditAnchor } from './0016-audit-anchor.js';
import { defaultExperimentTime } from './0017-default-experiment-time.js';
import { promotionRequestDeployment } from './0018-promotion-request-deployment.js';
import { leases } from './0019-leases.js';
import { oneOpenAlert } from './0020-one-open-alert.js';
import { loggedModelLinks } from './0021-logged-model-links.js';
import { armSamples } from './0022-arm-samples.js';
import { requestTotals } from './0023-request-totals.js';
import { traces } from './0024-traces.js';
import { pipelineRunLeases } from './0025-pipeline-run-leases.js';
import { auditCheckpoint } from './0026-audit-checkpoint.js';
import { runFilterIndexes } from './0030-run-filter-indexes.js';

/** A migration written once for both dialects; `dialect` is there for the rare type that differs. */
export type MigrationStep = (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;

/** The one migration set, in order. Never edit a landed step: add a new one. */
const steps: Record<string, MigrationStep> = {
  '0001-tracking': tracking,
  '0002-logged-models': loggedModels,
  '0003-registry': registry,
  '0004-predictions': predictions,
  '0005-deployments': deployments,
  '0006-datasets': datasets,
  '0007-dataset-validation': datasetValidation,
  '0008-feedback': feedback,
  '0009-alerts': alerts,
  '0010-pipelines': pipelines,
  '0012-gates': gates,
  '0011-governance': governance,
  '0013-dataset-pii': datasetPii,
  '0014-whole-dataset-digests': wholeDatasetDigests,
  '0015-model-version-files': modelVersionFiles,
  '0016-audit-anchor': auditAnchor,
  '0017-default-experiment-time': defaultExperimentTime,
  '0018-promotion-request-deployment': promotionRequestDeployment,
  '0019-leases': leases,
  '0020-one-open-alert': oneOpenAlert,
  '0021-logged-model-links': loggedModelLinks,
  '0022-arm-samples': armSamples,
  '0023-request-totals': requestTotals,
  '0024-traces': traces,
  '0025-pipeline-run-leases': pipelineRunLeases,
  '0026-audit-checkpoint': auditCheckpoint,
  '0030-run-filter-indexes': runFilterIndexes,
};

/** Applies the steps the database has not run yet (under the migrator's lock); returns their names. */
export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const migrations: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(steps)) {
    migrations[name] = { up: (kysely) => step(kysely as Kysely<unknown>, dialect) };
  }
  // Steps are added by independent features; a database that ran a later step first still takes an earlier one.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MloopError('INTERNAL_ERROR', `database migration ${failed} failed: ${String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
