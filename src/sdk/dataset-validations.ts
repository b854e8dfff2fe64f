import type { Suite } from '../data/validation/suite.js';
import type { RequiredSuite, TrainingReadiness, ValidationRecord } from '../data/validation/validations.js';
import { encodePath, type HttpClient } from './http.js';

/** `NAME/VERSION` → the version's path under /api/v1/datasets. */
function versionPath(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const name = slash > 0 ? ref.slice(0, slash) : ref;
  const version = slash > 0 ? ref.slice(slash + 1) : 'latest';
  return `/api/v1/datasets/${encodePath(name)}/versions/${encodePath(version)}`;
}

/** Validation suites on a server's dataset versions: run them, read past reports, suggest one. */
export class DatasetValidationsClient {
  constructor(private readonly http: HttpClient) {}

  /**
   * Runs a suite on a dataset version (`NAME/VERSION`) and stores the report; without a suite,
   * the one the dataset requires runs. `require` makes the suite required before training.
   */
  validate(ref: string, suite?: Suite, options: { require?: boolean } = {}): Promise<ValidationRecord> {
    return this.http.json('POST', `${versionPath(ref)}/validations`, {
      json: suite ?? {},
      query: { require: options.require ? 'true' : undefined },
    });
  }

  /** The version's reports, newest first. */
  async list(ref: string): Promise<ValidationRecord[]> {
    const body = await this.http.json<{ validations: ValidationRecord[] }>(
      'GET',
      `${versionPath(ref)}/validations`,
    );
    return body.validations;
  }

  /** A starting suite inferred from the version; `distribution` adds distribution checks against it. */
  suggest(ref: string, options: { distribution?: boolean } = {}): Promise<Suite> {
    return this.http.json('GET', `${versionPath(ref)}/suggested-suite`, {
      query: { distribution: options.distribution ? 'true' : undefined },
    });
  }

  /** Whether the version may be used for training; when not, `reason` says what to run. */
  trainingReadiness(ref: string): Promise<TrainingReadiness> {
    return this.http.json('GET', `${versionPath(ref)}/training-readiness`);
  }

  /** The suite the dataset requires before training, if any. */
  async requiredSuite(dataset: string): Promise<RequiredSuite | undefined> {
    const body = await this.http.json<{ required: RequiredSuite | null }>(
      'GET',
      `/api/v1/datasets/${encodePath(dataset)}/required-suite`,
    );
    return body.required ?? undefined;
  }
}
