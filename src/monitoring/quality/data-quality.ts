import { share, type ColumnProfile, type ReferenceProfile } from './reference-profile.js';

/**
 * Data-quality checks of a window of production inputs (one record per prediction, as the
 * prediction log keeps `inputs`) against the reference profile:
 * - missing: null, undefined, an absent key or NaN; flagged when the window's missing share
 *   exceeds the reference's by more than `missingShareTolerance`;
 * - type mismatch: a numeric feature given anything but a number (a numeric string included), a
 *   categorical one given an object or array;
 * - out of range: a numeric value outside the reference's [min, max];
 * - unseen category: a categorical value the reference never had;
 * - unexpected column: a key the profile does not know (reported, not counted per row).
 * Each check is flagged when its share of the window's rows exceeds its tolerance (0 by default:
 * a single occurrence is flagged). Pure: no I/O, O(rows × features).
 */
export interface DataQualityOptions {
  /** How much the missing share may exceed the reference's before it is flagged (default 0.05). */
  missingShareTolerance?: number;
  typeMismatchTolerance?: number;
  outOfRangeTolerance?: number;
  unseenCategoryTolerance?: number;
  /** Offending values kept per check as examples (default 5). */
  maxExamples?: number;
}

export type QualityCheck = 'missing' | 'type_mismatch' | 'out_of_range' | 'unseen_category';

export interface CheckResult {
  count: number;
  share: number;
  flagged: boolean;
  /** A few offending values, as text. */
  examples: string[];
}

export interface ColumnQuality {
  name: string;
  kind: ColumnProfile['kind'];
  missing: CheckResult & { referenceShare: number };
  typeMismatch: CheckResult;
  /** Numeric columns only. */
  outOfRange?: CheckResult & { below: number; above: number };
  /** Categorical columns only. */
  unseenCategories?: CheckResult & { distinct: number };
}

export interface DataQualityIssue {
  column: string;
  check: QualityCheck;
  message: string;
}

export interface DataQualityReport {
  rows: number;
  columns: ColumnQuality[];
  unexpectedColumns: string[];
  issues: DataQualityIssue[];
}

export function checkDataQuality(
  window: readonly Readonly<Record<string, unknown>>[],
  profile: ReferenceProfile,
  options: DataQualityOptions = {},
): DataQualityReport {
  const maxExamples = options.maxExamples ?? 5;
  const rows = window.length;
  const columns = Object.entries(profile.columns).map(([name, column]) =>
    checkColumn(name, column, window, options, maxExamples),
  );
  const known = new Set(Object.keys(profile.columns));
  const unexpected = new Set<string>();
  for (const record of window)
    for (const key of Object.keys(record)) if (!known.has(key)) unexpected.add(key);
  const issues: DataQualityIssue[] = [];
  for (const column of columns) issues.push(...issuesOf(column, rows));
  return { rows, columns, unexpectedColumns: [...unexpected].sort(), issues };
}

class Tally {
  count = 0;
  readonly examples: string[] = [];
  constructor(private readonly maxExamples: number) {}
  add(value: unknown): void {
    this.count++;
    if (this.examples.length < this.maxExamples) {
      const text = describe(value);
      if (!this.examples.includes(text)) this.examples.push(text);
    }
  }
  result(rows: number, tolerance: number): CheckResult {
    const s = share(this.count, rows);
    return { count: this.count, share: s, flagged: this.count > 0 && s > tolerance, examples: this.examples };
  }
}

function checkColumn(
  name: string,
  profile: ColumnProfile,
  window: readonly Readonly<Record<string, unknown>>[],
  options: DataQualityOptions,
  maxExamples: number,
): ColumnQuality {
  const rows = window.length;
  let missing = 0;
  const mismatches = new Tally(maxExamples);
  const outOfRange = new Tally(maxExamples);
  const unseen = new Tally(maxExamples);
  const unseenDistinct = new Set<string>();
  let below = 0;
  let above = 0;
  const categories = profile.kind === 'categorical' ? new Set(profile.categories) : undefined;
  for (const record of window) {
    const value = record[name];
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
      missing++;
    } else if (profile.kind === 'numeric') {
      if (typeof value !== 'number') mismatches.add(value);
      else if (value < profile.min || value > profile.max) {
        outOfRange.add(value);
        if (value < profile.min) below++;
        else above++;
      }
    } else if (typeof value === 'object') {
      mismatches.add(value);
    } else if (!categories?.has(String(value))) {
      unseen.add(value);
      unseenDistinct.add(String(value));
    }
  }
  const missingShare = share(missing, rows);
  const missingTolerance = options.missingShareTolerance ?? 0.05;
  const result: ColumnQuality = {
    name,
    kind: profile.kind,
    missing: {
      count: missing,
      share: missingShare,
      referenceShare: profile.missingShare,
      flagged: missing > 0 && missingShare - profile.missingShare > missingTolerance,
      examples: [],
    },
    typeMismatch: mismatches.result(rows, options.typeMismatchTolerance ?? 0),
  };
  if (profile.kind === 'numeric') {
    result.outOfRange = { ...outOfRange.result(rows, options.outOfRangeTolerance ?? 0), below, above };
  } else {
    result.unseenCategories = {
      ...unseen.result(rows, options.unseenCategoryTolerance ?? 0),
      distinct: unseenDistinct.size,
    };
  }
  return result;
}

function issuesOf(column: ColumnQuality, rows: number): DataQualityIssue[] {
  const issues: DataQualityIssue[] = [];
  const percent = (s: number) => `${(s * 100).toFixed(1)}%`;
  const add = (check: QualityCheck, message: string) => issues.push({ column: column.name, check, message });
  if (column.missing.flagged) {
    add(
      'missing',
      `${column.missing.count} of ${rows} values missing (${percent(column.missing.share)}; reference ${percent(column.missing.referenceShare)})`,
    );
  }
  if (column.typeMismatch.flagged) {
    add(
      'type_mismatch',
      `${column.typeMismatch.count} values are not ${column.kind === 'numeric' ? 'numbers' : 'categories'}, e.g. ${column.typeMismatch.examples.join(', ')}`,
    );
  }
  if (column.outOfRange?.flagged) {
    add(
      'out_of_range',
      `${column.outOfRange.count} values outside the reference range (${column.outOfRange.below} below, ${column.outOfRange.above} above), e.g. ${column.outOfRange.examples.join(', ')}`,
    );
  }
  if (column.unseenCategories?.flagged) {
    add(
      'unseen_category',
      `${column.unseenCategories.count} values in ${column.unseenCategories.distinct} categories never seen in the reference, e.g. ${column.unseenCategories.examples.join(', ')}`,
    );
  }
  return issues;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  }
  return String(value);
}
