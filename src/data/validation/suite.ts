import { parse as parseYaml } from 'yaml';
import { invalidParameter } from '../../core/errors.js';
import { sha256Hex } from '../../core/hashing.js';

/** Value types a column can be declared with; each maps to a family of DuckDB types. */
export const columnTypes = ['integer', 'number', 'string', 'boolean', 'date', 'timestamp'] as const;
export type ColumnType = (typeof columnTypes)[number];

/** The drift tests a distribution check may name (the same names `mloop drift --test` takes). */
export const distributionTestNames = ['ks', 'wasserstein', 'psi', 'chisquare', 'z', 'jensenshannon'] as const;
export type DistributionTestName = (typeof distributionTestNames)[number];

/** Spellings people write for the same tests. */
const testAliases: Record<string, DistributionTestName> = {
  'chi-square': 'chisquare',
  'jensen-shannon': 'jensenshannon',
};

export type AllowedValue = string | number | boolean;

export interface Bounds {
  min?: number;
  max?: number;
}

export interface DistributionExpectation {
  /** A dataset version (`NAME/VERSION`) or a data file whose same-named column is the reference. */
  reference: string;
  /** Default: chosen per column like `mloop drift` does. */
  test?: DistributionTestName;
  /** Default: the test's (0.05 for p-values, 0.1 for distances). */
  threshold?: number;
}

/** Assertions about one column; a check with none of them asserts that the column exists. */
export interface ColumnCheck {
  column: string;
  type?: ColumnType;
  /** Largest share of missing values, in [0, 1]; `not_null: true` in a file is `max_missing: 0`. */
  max_missing?: number;
  range?: Bounds;
  allowed?: AllowedValue[];
  regex?: string;
  unique?: boolean;
  distribution?: DistributionExpectation;
}

export interface RowCountCheck {
  rows: Bounds;
}

export type SuiteCheck = ColumnCheck | RowCountCheck;

/** A validation suite: declared checks run on a dataset version. The file format is this shape in YAML or JSON. */
export interface Suite {
  checks: SuiteCheck[];
}

export function isRowCountCheck(check: SuiteCheck): check is RowCountCheck {
  return 'rows' in check;
}

/** Parses a suite file's text (YAML, or JSON which YAML reads too) and validates it. */
export function parseSuiteText(text: string): Suite {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw invalidParameter('suite', `the suite is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return parseSuite(value);
}

/**
 * Validates a suite given as a plain value (a parsed file or a request body). Errors name the
 * check by its index and the field: `checks[2].range.min`.
 */
export function parseSuite(value: unknown): Suite {
  if (!isRecord(value)) throw invalidParameter('suite', 'a suite is an object with a "checks" list');
  rejectUnknown(value, ['checks'], 'suite', '');
  const checks = value.checks;
  if (!Array.isArray(checks) || checks.length === 0) {
    throw invalidParameter('checks', 'a suite needs a non-empty "checks" list');
  }
  return { checks: checks.map((check, index) => parseCheck(check, index)) };
}

const columnKeys = [
  'column',
  'type',
  'max_missing',
  'not_null',
  'range',
  'allowed',
  'regex',
  'unique',
  'distribution',
];

function parseCheck(value: unknown, index: number): SuiteCheck {
  const at = `checks[${index}]`;
  if (!isRecord(value)) throw invalidParameter(at, `${at} must be an object with "column" or "rows"`);
  if ('rows' in value) {
    rejectUnknown(value, ['rows'], at, 'a row-count check holds only "rows"');
    return { rows: parseBounds(value.rows, `${at}.rows`, true) };
  }
  const column = value.column;
  if (typeof column !== 'string' || column === '') {
    throw invalidParameter(`${at}.column`, `${at} needs "column" (a column name) or "rows"`);
  }
  const where = `${at} (column "${column}")`;
  rejectUnknown(value, columnKeys, at, `a column check takes ${columnKeys.join(', ')}`);
  const check: ColumnCheck = { column };
  if (value.type !== undefined) {
    if (!(columnTypes as readonly unknown[]).includes(value.type)) {
      throw invalidParameter(`${at}.type`, `${where}: type must be one of ${columnTypes.join(', ')}`);
    }
    check.type = value.type as ColumnType;
  }
  const maxMissing = parseMaxMissing(value, at, where);
  if (maxMissing !== undefined) check.max_missing = maxMissing;
  if (value.range !== undefined) check.range = parseBounds(value.range, `${at}.range`, false);
  if (value.allowed !== undefined) check.allowed = parseAllowed(value.allowed, `${at}.allowed`, where);
  if (value.regex !== undefined) check.regex = parseRegex(value.regex, `${at}.regex`, where);
  if (value.unique !== undefined) {
    if (typeof value.unique !== 'boolean')
      throw invalidParameter(`${at}.unique`, `${where}: unique must be true or false`);
    if (value.unique) check.unique = true;
  }
  if (value.distribution !== undefined) {
    check.distribution = parseDistribution(value.distribution, `${at}.distribution`, where);
  }
  return check;
}

function parseMaxMissing(value: Record<string, unknown>, at: string, where: string): number | undefined {
  const notNull = value.not_null;
  if (notNull !== undefined && typeof notNull !== 'boolean') {
    throw invalidParameter(`${at}.not_null`, `${where}: not_null must be true or false`);
  }
  const share = value.max_missing;
  if (share !== undefined && (typeof share !== 'number' || !(share >= 0 && share <= 1))) {
    throw invalidParameter(
      `${at}.max_missing`,
      `${where}: max_missing is a share between 0 and 1 (0.01 is 1%)`,
    );
  }
  if (notNull === true && share !== undefined && share !== 0) {
    throw invalidParameter(`${at}.not_null`, `${where}: not_null: true contradicts max_missing: ${share}`);
  }
  return notNull === true ? 0 : (share as number | undefined);
}

function parseBounds(value: unknown, at: string, counts: boolean): Bounds {
  if (!isRecord(value)) throw invalidParameter(at, `${at} must be an object with min and/or max`);
  rejectUnknown(value, ['min', 'max'], at, 'bounds take min and max');
  const bounds: Bounds = {};
  for (const key of ['min', 'max'] as const) {
    const bound = value[key];
    if (bound === undefined) continue;
    if (
      typeof bound !== 'number' ||
      !Number.isFinite(bound) ||
      (counts && !(Number.isInteger(bound) && bound >= 0))
    ) {
      throw invalidParameter(
        `${at}.${key}`,
        `${at}.${key} must be a ${counts ? 'whole number of rows' : 'finite number'}`,
      );
    }
    bounds[key] = bound;
  }
  if (bounds.min === undefined && bounds.max === undefined) {
    throw invalidParameter(at, `${at} needs min, max or both`);
  }
  if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
    throw invalidParameter(at, `${at}: min ${bounds.min} is above max ${bounds.max}`);
  }
  return bounds;
}

function parseAllowed(value: unknown, at: string, where: string): AllowedValue[] {
  const isValue = (v: unknown) =>
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
  if (!Array.isArray(value) || value.length === 0 || !value.every(isValue)) {
    throw invalidParameter(at, `${where}: allowed is a non-empty list of strings, numbers or booleans`);
  }
  return value as AllowedValue[];
}

function parseRegex(value: unknown, at: string, where: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalidParameter(at, `${where}: regex must be a non-empty string`);
  try {
    new RegExp(value);
  } catch (error) {
    throw invalidParameter(at, `${where}: regex does not compile: ${(error as Error).message}`);
  }
  return value;
}

function parseDistribution(value: unknown, at: string, where: string): DistributionExpectation {
  if (!isRecord(value)) throw invalidParameter(at, `${where}: distribution is an object with a "reference"`);
  rejectUnknown(
    value,
    ['reference', 'test', 'threshold'],
    at,
    'distribution takes reference, test, threshold',
  );
  if (typeof value.reference !== 'string' || value.reference === '') {
    throw invalidParameter(
      `${at}.reference`,
      `${where}: distribution.reference names a dataset version (NAME/VERSION) or a file`,
    );
  }
  const expectation: DistributionExpectation = { reference: value.reference };
  if (value.test !== undefined) {
    const test = typeof value.test === 'string' ? (testAliases[value.test] ?? value.test) : value.test;
    if (!(distributionTestNames as readonly unknown[]).includes(test)) {
      throw invalidParameter(
        `${at}.test`,
        `${where}: distribution.test must be one of ${distributionTestNames.join(', ')}`,
      );
    }
    expectation.test = test as DistributionTestName;
  }
  if (value.threshold !== undefined) {
    if (typeof value.threshold !== 'number' || !(value.threshold >= 0)) {
      throw invalidParameter(
        `${at}.threshold`,
        `${where}: distribution.threshold must be a non-negative number`,
      );
    }
    expectation.threshold = value.threshold;
  }
  return expectation;
}

function rejectUnknown(value: Record<string, unknown>, known: string[], at: string, hint: string): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    const field = at ? `${at}.${unknown}` : unknown;
    throw invalidParameter(field, `${at || 'suite'}: unknown key "${unknown}"${hint ? ` (${hint})` : ''}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The suite's identity: sha256 of its canonical JSON (keys sorted), so reformatting a file keeps it. */
export function suiteDigest(suite: Suite): string {
  return sha256Hex(canonicalJson(suite));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The first 12 hex digits of a digest, as messages show it. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 12);
}
