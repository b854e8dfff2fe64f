import type { Config } from '../core/config.js';
import { MloopError } from '../core/errors.js';
import type { DataRelation } from '../data/validation/duckdb-sql.js';
import type { Suite } from '../data/validation/suite.js';
import type { ValidationRecord } from '../data/validation/validations.js';

/** What the `data validate|suggest|validations` commands do, in-process or against a server. */
export interface ValidationBackend {
  validate(ref: string, suite: Suite | undefined, options: { require: boolean }): Promise<ValidationRecord>;
  list(ref: string): Promise<ValidationRecord[]>;
  suggest(ref: string, options: { distribution: boolean }): Promise<Suite>;
  /** A dataset version's data on this machine, for checks of a local file against a version. */
  versionData(ref: string): Promise<DataRelation>;
  close(): Promise<void>;
}

/** The server at `config.url` when one is set, else the embedded store under `config.home`. */
export async function openValidationBackend(config: Config): Promise<ValidationBackend> {
  if (config.url) {
    const { HttpClient } = await import('../sdk/http.js');
    const { DatasetValidationsClient } = await import('../sdk/dataset-validations.js');
    const client = new DatasetValidationsClient(new HttpClient({ url: config.url }));
    return {
      validate: (ref, suite, options) => client.validate(ref, suite, options),
      list: (ref) => client.list(ref),
      suggest: (ref, options) => client.suggest(ref, options),
      versionData: async (ref) => {
        throw new MloopError(
          'INVALID_PARAMETER_VALUE',
          `a local file cannot be compared with ${ref} on a server: validate the file as a dataset version, or compare with a file`,
          'file',
        );
      },
      close: async () => {},
    };
  }
  const { openPlatform } = await import('../platform.js');
  const platform = await openPlatform(config);
  const validation = platform.data.validation;
  return {
    validate: (ref, suite, options) => validation.validate(ref, suite, options),
    list: async (ref) => validation.list(await validation.versionKey(ref)),
    suggest: (ref, options) => validation.suggest(ref, options),
    versionData: async (ref) => (await validation.versionKey(ref)).data,
    close: () => platform.close(),
  };
}
