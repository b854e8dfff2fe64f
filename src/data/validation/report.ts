import type { Json } from '@duckdb/node-api';

/** The kinds of assertion a suite makes; a column check with several assertions yields one result each. */
export type CheckKind =
  'exists' | 'type' | 'missing' | 'range' | 'allowed' | 'regex' | 'unique' | 'rows' | 'distribution';

/** An offending value and the 1-based row that holds it (the header of a CSV file is not a row). */
export interface OffendingExample {
  row: number;
  value: Json;
}

export interface CheckResult {
  check: {
    /** The check's index in the suite's `checks` list. */
    index: number;
    kind: CheckKind;
    column?: string;
    /** How people name it in messages: `age range`, `rows`. */
    label: string;
  };
  passed: boolean;
  observed: Json;
  expected: Json;
  failing_rows_count: number;
  /** Up to 5 offending rows, first ones first. */
  examples: OffendingExample[];
  /** Why the check could not judge the data, when it could not (it then fails). */
  note?: string;
}

/** What running a suite on some data found. */
export interface ValidationReport {
  passed: boolean;
  suite_digest: string;
  rows: number;
  checks: CheckResult[];
}

/** `2 of 7 checks failed (age range, email regex)`, or `all 7 checks passed`. */
export function summarizeReport(report: ValidationReport): string {
  const failed = report.checks.filter((c) => !c.passed);
  if (failed.length === 0) return `all ${report.checks.length} checks passed`;
  return `${failed.length} of ${report.checks.length} checks failed (${failed.map((c) => c.check.label).join(', ')})`;
}
