import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../core/config.js';
import { invalidParameter } from '../../core/errors.js';
import type { DataRelation } from '../../data/validation/duckdb-sql.js';
import { inferSuite, suiteToYaml } from '../../data/validation/infer-suite.js';
import type { ValidationReport } from '../../data/validation/report.js';
import { runSuite } from '../../data/validation/run-suite.js';
import { isRowCountCheck, parseSuiteText, shortDigest, type Suite } from '../../data/validation/suite.js';
import { driftDistributionTest } from '../../monitoring/drift/distribution-test.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { exitCodes } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { formatTime } from '../format/values.js';
import { renderValidationReport } from './data-validate-render.js';
import { openValidationBackend, type ValidationBackend } from '../validation-backend.js';

interface ValidateOptions extends CommonOptions {
  suite?: string;
  file?: string;
  require?: boolean;
}

interface SuggestOptions extends CommonOptions {
  file?: string;
  distribution?: boolean;
}

/** `mloop data validate|suggest|validations`: validation suites on dataset versions or plain files. */
export function registerDataValidateCommands(data: Command): void {
  trackingCommand(
    data
      .command('validate')
      .argument('[dataset]', 'the dataset version, NAME/VERSION')
      .description(
        'Run a validation suite on a dataset version (stored) or a data file; exit 1 when a check fails',
      ),
    [
      'mloop data validate customers/3 --suite suite.yaml',
      'mloop data validate customers/3 --suite suite.yaml --require   # also required before training',
      'mloop data validate customers/4                               # the suite customers requires',
      'mloop data validate --file data.csv --suite suite.yaml --json',
    ],
  )
    .option('--suite <file>', 'the suite, YAML or JSON (default: the suite the dataset requires)')
    .option('--file <data>', 'validate a CSV, Parquet or JSON-lines file instead of a dataset version')
    .option('--require', "also require this suite before any of the dataset's versions is used for training")
    .action(async (ref: string | undefined, opts: ValidateOptions) => {
      const suite = opts.suite ? readSuite(opts.suite) : undefined;
      if (opts.file) {
        if (ref) throw invalidParameter('dataset', 'give a dataset version or --file, not both');
        if (!suite)
          throw invalidParameter('suite', '--file needs --suite FILE: see `mloop data suggest --file`');
        const report = await validateFile(opts.file, suite, opts);
        return finish(report, opts.file, opts);
      }
      if (!ref)
        throw invalidParameter('dataset', 'name a dataset version (NAME/VERSION) or give --file DATA');
      if (opts.require && !suite) throw invalidParameter('suite', '--require needs --suite FILE');
      const record = await withValidationBackend(opts, (backend) =>
        backend.validate(ref, suite, { require: opts.require === true }),
      );
      if (opts.require && !opts.json) {
        print(
          `Suite ${shortDigest(record.suiteDigest)} is now required before training on ${record.dataset}.`,
        );
      }
      finish(record.report, `${record.dataset}/${record.version}`, opts);
    });

  trackingCommand(
    data
      .command('suggest')
      .argument('[dataset]', 'the dataset version, NAME/VERSION')
      .description('Propose a starting validation suite (YAML) from a dataset version or a data file'),
    [
      'mloop data suggest customers/3 > suite.yaml',
      'mloop data suggest customers/3 --distribution > suite.yaml   # numeric columns must stay close to customers/3',
      'mloop data suggest --file data.parquet --json',
    ],
  )
    .option('--file <data>', 'infer from a CSV, Parquet or JSON-lines file instead of a dataset version')
    .option('--distribution', 'add a distribution check per numeric column against the dataset version')
    .action(async (ref: string | undefined, opts: SuggestOptions) => {
      if (ref && opts.file) throw invalidParameter('dataset', 'give a dataset version or --file, not both');
      if (!ref && !opts.file)
        throw invalidParameter('dataset', 'name a dataset version (NAME/VERSION) or give --file DATA');
      if (opts.distribution && !ref)
        throw invalidParameter('distribution', '--distribution needs a dataset version to compare with');
      const suite = opts.file
        ? await inferSuite({ file: opts.file })
        : await withValidationBackend(opts, (backend) =>
            backend.suggest(ref!, { distribution: opts.distribution === true }),
          );
      if (opts.json) return printJson(suite);
      process.stdout.write(suiteToYaml(suite, ref ?? opts.file!));
    });

  trackingCommand(
    data
      .command('validations')
      .argument('<dataset>', 'the dataset version, NAME/VERSION')
      .description('List the validation reports of a dataset version, newest first'),
    ['mloop data validations customers/3', 'mloop data validations customers/3 --json'],
  ).action(async (ref: string, opts: CommonOptions) => {
    const records = await withValidationBackend(opts, (backend) => backend.list(ref));
    if (opts.json) return printJson(records);
    if (records.length === 0)
      return print(`No validation reports for ${ref}: run \`mloop data validate ${ref} --suite FILE\`.`);
    print(
      renderTable(
        ['ID', 'WHEN', 'SUITE', 'RESULT', 'SUMMARY'],
        records.map((r) => [
          String(r.id),
          formatTime(r.createdAt),
          shortDigest(r.suiteDigest),
          r.passed ? 'pass' : 'FAIL',
          r.summary,
        ]),
      ),
    );
  });
}

function readSuite(path: string): Suite {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidParameter('suite', `cannot read suite file ${path}: ${(error as Error).message}`);
  }
  try {
    return parseSuiteText(text);
  } catch (error) {
    if (error instanceof Error) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

/**
 * A plain file needs no store, unless a distribution check compares with a dataset version: the
 * backend is opened only then.
 */
async function validateFile(file: string, suite: Suite, opts: CommonOptions): Promise<ValidationReport> {
  const needsVersions = suite.checks.some(
    (c) =>
      !isRowCountCheck(c) &&
      c.distribution &&
      !/\.(csv|parquet|json|jsonl|ndjson)$/i.test(c.distribution.reference),
  );
  if (!needsVersions) return runSuite({ file }, suite, { distributionTest: driftDistributionTest });
  return withValidationBackend(opts, (backend) =>
    runSuite({ file }, suite, {
      distributionTest: driftDistributionTest,
      resolveReference: (reference): Promise<DataRelation> => backend.versionData(reference),
    }),
  );
}

async function withValidationBackend<T>(
  opts: CommonOptions,
  work: (backend: ValidationBackend) => Promise<T>,
): Promise<T> {
  const backend = await openValidationBackend(loadConfig(opts.url ? { url: opts.url } : {}));
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}

function finish(report: ValidationReport, subject: string, opts: CommonOptions): void {
  if (opts.json) printJson(report);
  else print(renderValidationReport(report, subject));
  if (!report.passed) process.exitCode = exitCodes.failure;
}
