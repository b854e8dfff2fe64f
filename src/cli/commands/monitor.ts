import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../core/config.js';
import { invalidParameter, notFound } from '../../core/errors.js';
import { renderDriftReportHtml } from '../../monitoring/drift-report-html.js';
import type { MonitorReport } from '../../monitoring/monitor-report.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import { print, printJson } from '../command-context.js';
import { exitCodes, exitCodesLine } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { formatNumber, formatTime } from '../format/values.js';
import { registerMonitorAlertsCommand } from './monitor-alerts.js';

interface ReportOptions {
  window: string;
  reference?: string;
  allVersions?: boolean;
  deployment?: string;
  driftShare?: string;
  html?: string;
  json?: boolean;
  failOnDrift?: boolean;
}

/** The `monitor` parent command: reports on served models and alert rules. */
export function monitorCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'monitor') ??
    program
      .command('monitor')
      .description('Watch served models: drift and data-quality reports, alert rules and alerts')
  );
}

/** `mloop monitor report` and `mloop monitor alerts …`. */
export function registerMonitorCommand(program: Command): void {
  const monitor = monitorCommand(program);
  monitor
    .command('report')
    .description("Drift and data quality of a model's recent predictions against a reference")
    .argument('<model>', 'NAME@ALIAS or NAME/VERSION')
    .option('--window <length>', 'how far back to read the prediction log: 15m, 1h, 7d', '1h')
    .option(
      '--reference <ref>',
      "a data file, a dataset version NAME/VERSION, or window:-24h..-1h (default: the model's training dataset)",
    )
    .option(
      '--all-versions',
      "read every version's predictions in the window, not only the resolved version's",
    )
    .option('--deployment <name>', 'only predictions routed by this deployment')
    .option('--drift-share <share>', 'dataset drift when at least this share of columns drift', '0.5')
    .option('--html <file>', 'also write a self-contained HTML report with per-column histograms')
    .option('--json', 'print the report as JSON')
    .option('--fail-on-drift', 'exit with status 1 when the window drifted')
    .addHelpText(
      'after',
      `
Reads the prediction log in-process: run it where the store is (MLOOP_HOME or MLOOP_DATABASE_URL), not against --url.
${exitCodesLine([
  ['ok', 'done'],
  ['failure', 'drift with --fail-on-drift'],
  ['invalidInput', 'invalid input'],
  ['notFound', 'model not found or no predictions in the window'],
])}

Examples:
  $ mloop monitor report churn@champion --window 1h --reference data/train.parquet --html drift.html
  $ mloop monitor report churn@champion --window 24h --reference window:-8d..-1d --json
  $ mloop monitor report churn/3 --window 7d --reference churn-train/4 --fail-on-drift
`,
    )
    .action(async (model: string, opts: ReportOptions) => {
      const windowMs = parseWindowLength(opts.window, '--window');
      const driftShare = Number(opts.driftShare ?? '0.5');
      if (!(driftShare >= 0 && driftShare <= 1)) {
        throw invalidParameter(
          '--drift-share',
          `--drift-share must be a number from 0 to 1, got "${opts.driftShare}"`,
        );
      }
      const config = loadConfig();
      if (config.url) {
        throw invalidParameter(
          'url',
          'monitor report reads the prediction log in-process: unset MLOOP_URL and run it where the store is (MLOOP_HOME or MLOOP_DATABASE_URL)',
        );
      }
      const { openPlatform } = await import('../../platform.js');
      const platform = await openPlatform(config);
      let report: MonitorReport;
      try {
        report = await platform.monitoring.reports.report({
          ref: model,
          windowMs,
          reference: opts.reference,
          allVersions: opts.allVersions,
          deployment: opts.deployment,
          driftShare,
        });
      } finally {
        await platform.close();
      }
      if (report.window.rows === 0) {
        throw notFound(
          `No predictions of ${report.model}${report.allVersions ? '' : `/${report.version}`} in the last ${report.window.length}: widen --window${report.allVersions ? '' : ' or pass --all-versions'}`,
        );
      }
      if (opts.html) writeFileSync(opts.html, renderReportHtml(report));
      if (opts.json) printJson(report);
      else printReport(report, opts.html);
      if (opts.failOnDrift && report.drift.datasetDrift) process.exitCode = exitCodes.failure;
    });
  registerMonitorAlertsCommand(monitor);
}

function renderReportHtml(report: MonitorReport): string {
  return renderDriftReportHtml(report.drift, {
    title: `Monitoring report: ${report.model}/${report.version}`,
    facts: [
      [
        'model',
        `${report.model}/${report.version}${report.allVersions ? ' (all versions in the window)' : ''}`,
      ],
      ...(report.deployment ? ([['deployment', report.deployment]] as [string, string][]) : []),
      [
        'window',
        `${formatTime(report.window.from)} to ${formatTime(report.window.to)} UTC (${report.window.length})`,
      ],
      ['predictions', String(report.window.rows)],
      ['reference', `${report.reference.description} (${report.reference.rows} rows)`],
    ],
    quality: report.quality,
  });
}

function printReport(report: MonitorReport, html: string | undefined): void {
  print(
    `${report.model}/${report.version}: ${report.window.rows} predictions in the last ${report.window.length}, against ${report.reference.description} (${report.reference.rows} rows)\n`,
  );
  print(
    renderTable(
      ['COLUMN', 'TYPE', 'TEST', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'DRIFT'],
      report.drift.columns.map((c) => [
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
  const d = report.drift;
  print(
    `${d.datasetDrift ? 'Drift' : 'No drift'}: ${d.driftedColumns} of ${d.columns.length} columns drifted (share ${formatNumber(d.driftedShare)}, threshold ${d.driftShareThreshold}).\n`,
  );
  const share = (count: number, s: number) => (count === 0 ? '0' : `${count} (${(s * 100).toFixed(1)}%)`);
  print(
    renderTable(
      ['FEATURE', 'MISSING', 'WRONG TYPE', 'OUT OF RANGE', 'UNSEEN CATEGORIES'],
      report.quality.columns.map((c) => [
        c.name,
        share(c.missing.count, c.missing.share),
        share(c.typeMismatch.count, c.typeMismatch.share),
        c.outOfRange ? share(c.outOfRange.count, c.outOfRange.share) : '',
        c.unseenCategories ? share(c.unseenCategories.count, c.unseenCategories.share) : '',
      ]),
    ),
  );
  if (report.quality.issues.length === 0) print('No data-quality issues.');
  for (const issue of report.quality.issues) print(`quality: ${issue.column}: ${issue.message}`);
  if (report.quality.unexpectedColumns.length > 0) {
    print(`inputs the reference does not have: ${report.quality.unexpectedColumns.join(', ')}`);
  }
  if (html) print(`HTML report: ${html}`);
}
