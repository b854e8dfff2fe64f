import type { Json } from '@duckdb/node-api';
import { summarizeReport, type ValidationReport } from '../../data/validation/report.js';
import { renderTable } from '../format/table.js';
import { formatNumber } from '../format/values.js';

/** A validation report for people: a table of checks, then the offending rows of each failed one. */
export function renderValidationReport(report: ValidationReport, subject: string): string {
  const table = renderTable(
    ['#', 'CHECK', 'RESULT', 'OBSERVED', 'EXPECTED', 'FAILING ROWS'],
    report.checks.map((c) => [
      String(c.check.index),
      c.check.label,
      c.passed ? 'pass' : 'FAIL',
      c.note ?? jsonText(c.observed),
      jsonText(c.expected),
      c.failing_rows_count === 0 ? '' : String(c.failing_rows_count),
    ]),
    { align: ['right', 'left', 'left', 'left', 'left', 'right'] },
  );
  const lines = [table];
  const withExamples = report.checks.filter((c) => !c.passed && c.examples.length > 0);
  if (withExamples.length > 0) {
    lines.push('Offending rows (first 5 of each):');
    for (const c of withExamples) {
      const shown = c.examples.map((e) => `row ${e.row}: ${jsonText(e.value)}`).join(', ');
      lines.push(`  ${c.check.label}: ${shown}`);
    }
    lines.push('');
  }
  lines.push(`${subject} (${report.rows} rows): ${summarizeReport(report)}.`);
  return lines.join('\n');
}

function jsonText(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(jsonText).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${jsonText(v)}`)
      .join(', ');
  }
  return String(value);
}
