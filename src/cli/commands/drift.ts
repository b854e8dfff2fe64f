import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { invalidParameter } from '../../core/errors.js';
import { renderDriftReportHtml } from '../../monitoring/drift-report-html.js';
import { computeDriftReport, driftTestNames, type DriftTestName } from '../../monitoring/drift/index.js';
import { print, printJson } from '../command-context.js';
import { exitCodes } from '../exit-codes.js';
import { renderTable } from '../format/table.js';

interface DriftCommandOptions {
  columns?: string;
  test?: string;
  threshold?: string;
  driftShare?: string;
  html?: string;
  json?: boolean;
  failOnDrift?: boolean;
}

function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw invalidParameter(name, `${name} must be a non-negative number, got "${raw}"`);
  }
  return value;
}

function testOption(raw: string | undefined): DriftTestName | undefined {
  if (raw === undefined) return undefined;
  if (!(driftTestNames as readonly string[]).includes(raw)) {
    throw invalidParameter('--test', `--test must be one of ${driftTestNames.join(', ')}`);
  }
  return raw as DriftTestName;
}

/** `mloop drift REFERENCE CURRENT`: data drift between two files (Parquet, CSV or JSON). */
export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description('Compare current data with reference data, column by column (Parquet, CSV or JSON files)')
    .argument('<reference>', 'the reference data file')
    .argument('<current>', 'the current data file')
    .option('--columns <names>', 'comma-separated columns to compare (default: all shared columns)')
    .option('--test <test>', `one test for every column: ${driftTestNames.join(', ')} (default: per column)`)
    .option('--threshold <value>', "every column's threshold (default: 0.05 for p-values, 0.1 for distances)")
    .option('--drift-share <share>', 'dataset drift when at least this share of columns drift', '0.5')
    .option('--html <file>', 'also write a self-contained HTML report')
    .option('--json', 'print the report as JSON')
    .option('--fail-on-drift', 'exit with status 1 when the dataset drifted')
    .addHelpText(
      'after',
      '\nExamples:\n  mloop drift train.parquet last-week.parquet --html drift.html\n  mloop drift ref.csv cur.csv --columns age,city --test psi --json\n',
    )
    .action(async (reference: string, current: string, opts: DriftCommandOptions) => {
      const threshold = numberOption('--threshold', opts.threshold);
      const test = testOption(opts.test);
      const columns = opts.columns
        ?.split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      const report = await computeDriftReport({
        reference: { file: reference },
        current: { file: current },
        ...(columns ? { columns } : {}),
        options: {
          driftShare: numberOption('--drift-share', opts.driftShare) ?? 0.5,
          ...(test ? { test } : {}),
          ...(threshold !== undefined ? { threshold } : {}),
        },
      });
      finish(report, opts, reference, current);
    });
}

function finish(
  report: Awaited<ReturnType<typeof computeDriftReport>>,
  opts: DriftCommandOptions,
  reference: string,
  current: string,
): void {
  if (opts.html) {
    writeFileSync(
      opts.html,
      renderDriftReportHtml(report, { subtitle: `reference: ${reference}; current: ${current}` }),
    );
  }
  if (opts.json) {
    printJson(report);
  } else {
    print(
      renderTable(
        ['COLUMN', 'TYPE', 'TEST', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'DRIFT'],
        report.columns.map((c) => [
          c.name,
          c.type,
          c.test,
          formatNumber(c.statistic),
          c.pValue === undefined ? '' : formatNumber(c.pValue),
          String(c.threshold),
          c.note ? `- (${c.note})` : c.drifted ? 'yes' : 'no',
        ]),
      ),
    );
    print(
      `\n${report.datasetDrift ? 'Dataset drift' : 'No dataset drift'}: ${report.driftedColumns} of ${report.columns.length} columns drifted (share ${formatNumber(report.driftedShare)}, threshold ${report.driftShareThreshold}).`,
    );
    if (opts.html) print(`HTML report: ${opts.html}`);
  }
  if (opts.failOnDrift && report.datasetDrift) process.exitCode = exitCodes.failure;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) < 1e-4 && value !== 0
    ? value.toExponential(3)
    : Number(value.toPrecision(5)).toString();
}
