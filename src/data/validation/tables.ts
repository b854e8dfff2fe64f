import type { Generated } from 'kysely';

/** Row shapes of validation's tables (migration 0007-dataset-validation). */
export interface DatasetValidationRow {
  id: Generated<number>;
  dataset_name: string;
  dataset_version: number;
  suite_digest: string;
  /** 1 or 0: SQLite has no boolean. */
  passed: number;
  failed_checks: number;
  total_checks: number;
  /** JSON of the `Suite` that ran. */
  suite: string;
  /** JSON of the `ValidationReport`. */
  report: string;
  created_at: number;
}

export interface DatasetRequiredSuiteRow {
  dataset_name: string;
  suite_digest: string;
  suite: string;
  created_at: number;
}

export interface ValidationTables {
  dataset_validations: DatasetValidationRow;
  dataset_required_suites: DatasetRequiredSuiteRow;
}
