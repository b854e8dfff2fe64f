import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { MloopError, notFound } from '../../core/errors.js';
import type { DistributionTest } from './distribution-test.js';
import type { DataRelation } from './duckdb-sql.js';
import { inferSuite } from './infer-suite.js';
import { summarizeReport, type ValidationReport } from './report.js';
import { runSuite } from './run-suite.js';
import { shortDigest, suiteDigest, type Suite } from './suite.js';
import type { DatasetValidationRow, ValidationTables } from './tables.js';

/** A dataset version by name and number. */
export interface DatasetVersionKey {
  name: string;
  version: number;
}

/** A stored run of a suite on a dataset version. */
export interface ValidationRecord {
  id: number;
  dataset: string;
  version: number;
  suiteDigest: string;
  passed: boolean;
  /** `2 of 7 checks failed (age range, email regex)`. */
  summary: string;
  report: ValidationReport;
  createdAt: number;
}

/** The suite a dataset requires before any of its versions is used for training. */
export interface RequiredSuite {
  dataset: string;
  suiteDigest: string;
  suite: Suite;
  createdAt: number;
}

/** How the service reaches data: versions through the dataset service, references by name or file. */
/** Whether a dataset version may be used for training, and if not, what to do about it. */
export type TrainingReadiness = { ready: true } | { ready: false; reason: string };

export interface ValidationDataAccess {
  /** Resolves `NAME/VERSION` (or another ref the dataset service takes) to the version and its data. */
  version(ref: string): Promise<DatasetVersionKey & { data: DataRelation }>;
}

export interface ValidationServiceDeps {
  db: Kysely<ValidationTables>;
  clock: Clock;
  distributionTest: DistributionTest;
  data: ValidationDataAccess;
}

/**
 * Runs validation suites on dataset versions, keeps every report, and answers whether a version
 * may be used for training: its newest report passed, and, when the dataset requires a suite,
 * that suite ran on it.
 */
export class DatasetValidationService {
  constructor(private readonly deps: ValidationServiceDeps) {}

  /**
   * Runs a suite (the dataset's required one when none is given) on a version and stores the
   * report; `require` also makes the suite required before training on any version of the dataset.
   */
  async validate(ref: string, suite?: Suite, options: { require?: boolean } = {}): Promise<ValidationRecord> {
    const version = await this.deps.data.version(ref);
    const chosen = suite ?? (await this.requiredSuite(version.name))?.suite;
    if (!chosen) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `no suite given and dataset ${version.name} requires none: pass a suite (\`--suite suite.yaml\`), or start one with \`mloop data suggest ${version.name}/${version.version}\``,
        'suite',
      );
    }
    const report = await this.run(version.data, chosen);
    const record = await this.record(version, chosen, report);
    if (options.require) await this.requireSuite(version.name, chosen);
    return record;
  }

  /** The version a ref names, with its data. */
  versionKey(ref: string): Promise<DatasetVersionKey & { data: DataRelation }> {
    return this.deps.data.version(ref);
  }

  /** A starting suite inferred from a version; `distribution` adds checks that numeric columns stay close to it. */
  async suggest(ref: string, options: { distribution?: boolean } = {}): Promise<Suite> {
    const version = await this.deps.data.version(ref);
    return inferSuite(
      version.data,
      options.distribution ? { distributionReference: `${version.name}/${version.version}` } : {},
    );
  }

  /** Runs a suite on any data without storing anything (distribution references resolve as in `validate`). */
  run(data: DataRelation, suite: Suite): Promise<ValidationReport> {
    return runSuite(data, suite, {
      distributionTest: this.deps.distributionTest,
      resolveReference: (reference) => this.resolveReference(reference),
    });
  }

  /** Stores a report of a suite on a version. */
  async record(
    version: DatasetVersionKey,
    suite: Suite,
    report: ValidationReport,
  ): Promise<ValidationRecord> {
    const failed = report.checks.filter((c) => !c.passed).length;
    const row = await this.deps.db
      .insertInto('dataset_validations')
      .values({
        dataset_name: version.name,
        dataset_version: version.version,
        suite_digest: report.suite_digest,
        passed: report.passed ? 1 : 0,
        failed_checks: failed,
        total_checks: report.checks.length,
        suite: JSON.stringify(suite),
        report: JSON.stringify(report),
        created_at: this.deps.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** Reports of a version, newest first. */
  async list(version: DatasetVersionKey, options: { limit?: number } = {}): Promise<ValidationRecord[]> {
    const rows = await this.deps.db
      .selectFrom('dataset_validations')
      .selectAll()
      .where('dataset_name', '=', version.name)
      .where('dataset_version', '=', version.version)
      .orderBy('id', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(toRecord);
  }

  /** Makes a suite required before any version of the dataset is used for training. */
  async requireSuite(dataset: string, suite: Suite): Promise<RequiredSuite> {
    const row = {
      dataset_name: dataset,
      suite_digest: suiteDigest(suite),
      suite: JSON.stringify(suite),
      created_at: this.deps.clock.now(),
    };
    await this.deps.db
      .insertInto('dataset_required_suites')
      .values(row)
      .onConflict((oc) =>
        oc.column('dataset_name').doUpdateSet({
          suite_digest: row.suite_digest,
          suite: row.suite,
          created_at: row.created_at,
        }),
      )
      .execute();
    return { dataset, suiteDigest: row.suite_digest, suite, createdAt: row.created_at };
  }

  async requiredSuite(dataset: string): Promise<RequiredSuite | undefined> {
    const row = await this.deps.db
      .selectFrom('dataset_required_suites')
      .selectAll()
      .where('dataset_name', '=', dataset)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      dataset,
      suiteDigest: row.suite_digest,
      suite: JSON.parse(row.suite) as Suite,
      createdAt: row.created_at,
    };
  }

  /** Stops requiring a suite for the dataset; answers whether one was required. */
  async dropRequiredSuite(dataset: string): Promise<boolean> {
    const result = await this.deps.db
      .deleteFrom('dataset_required_suites')
      .where('dataset_name', '=', dataset)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Throws unless the version may be used for training (see `trainingReadiness`). Trainers and
   * pipelines call this before they read a version.
   */
  async requireValidated(ref: string): Promise<void> {
    const readiness = await this.trainingReadiness(ref);
    if (!readiness.ready) throw new MloopError('INVALID_STATE', readiness.reason);
  }

  /**
   * Whether the version may be used for training: its newest report (of the required suite, when
   * the dataset requires one) passed. A version never validated is ready when no suite is required.
   */
  async trainingReadiness(ref: string): Promise<TrainingReadiness> {
    const version = await this.deps.data.version(ref);
    const label = `${version.name}/${version.version}`;
    const required = await this.requiredSuite(version.name);
    let query = this.deps.db
      .selectFrom('dataset_validations')
      .selectAll()
      .where('dataset_name', '=', version.name)
      .where('dataset_version', '=', version.version);
    if (required) query = query.where('suite_digest', '=', required.suiteDigest);
    const latest = await query.orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (!latest) {
      if (!required) return { ready: true };
      return {
        ready: false,
        reason: `dataset ${label} has not passed validation suite ${shortDigest(required.suiteDigest)}, which dataset ${version.name} requires before training: run \`mloop data validate ${label}\``,
      };
    }
    if (latest.passed) return { ready: true };
    const record = toRecord(latest);
    return {
      ready: false,
      reason: `dataset ${label} failed validation suite ${shortDigest(record.suiteDigest)}: ${record.summary}; fix the data or run \`mloop data validate ${label} --suite SUITE\` again`,
    };
  }

  private async resolveReference(reference: string): Promise<DataRelation> {
    // A reference with a data file's extension is a file; anything else names a dataset version.
    if (/\.(csv|parquet|json|jsonl|ndjson)$/i.test(reference)) return { file: reference };
    try {
      return (await this.deps.data.version(reference)).data;
    } catch (error) {
      if (error instanceof MloopError && error.code === 'RESOURCE_DOES_NOT_EXIST') {
        throw notFound(`distribution reference ${reference}: ${error.message}`);
      }
      throw error;
    }
  }
}

function toRecord(row: Selectable<DatasetValidationRow>): ValidationRecord {
  const report = JSON.parse(row.report) as ValidationReport;
  return {
    id: Number(row.id),
    dataset: row.dataset_name,
    version: row.dataset_version,
    suiteDigest: row.suite_digest,
    passed: Boolean(row.passed),
    summary: summarizeReport(report),
    report,
    createdAt: Number(row.created_at),
  };
}
