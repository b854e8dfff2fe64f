import type { Command } from 'commander';
import type { PerformanceGroup, PerformanceReport } from '../../monitoring/performance/performance-report.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { openFeedbackBackend } from '../feedback-backend.js';
import { renderTable } from '../format/table.js';
import { formatNumber, formatTime } from '../format/values.js';
import { monitorCommand } from './monitor.js';

interface PerformanceOptions extends CommonOptions {
  window?: string;
  since: string;
  deployment?: string;
  byArm?: boolean;
}

/** `mloop monitor performance NAME[@ALIAS]`, beside `monitor report` and `monitor alerts`. */
export function registerMonitorPerformanceCommand(program: Command): void {
  const monitor = monitorCommand(program);
  trackingCommand(
    monitor
      .command('performance')
      .description(
        "A model's performance from labelled predictions, per window and version, with label coverage",
      )
      .argument('<model>', 'NAME (every version), or NAME@ALIAS for the version the alias points at')
      .option('--window <length>', 'window length: 15m, 1h, 1d (default: one window over --since)')
      .option('--since <length>', 'how far back: 24h, 7d', '24h')
      .option('--deployment <name>', 'only predictions this deployment routed')
      .option('--by-arm', 'split each window and version by deployment arm')
      .addHelpText(
        'after',
        '\nClassifiers show accuracy, macro F1 and ROC AUC; regressors RMSE, MAE and R². Coverage is the ' +
          'share of predictions that have a label; metrics use the labelled ones only. --json adds ' +
          'per-class precision and recall and log loss.\n',
      ),
    [
      'mloop monitor performance churn --window 1h --since 24h',
      'mloop monitor performance churn@champion --since 7d --json',
      'mloop monitor performance churn --deployment checkout --by-arm --window 1d --since 14d',
    ],
  ).action(async (ref: string, opts: PerformanceOptions) => {
    const [model, alias] = ref.split('@') as [string, string | undefined];
    const to = Date.now();
    const from = to - parseWindowLength(opts.since, '--since');
    const backend = await openFeedbackBackend(opts.url);
    try {
      const report = await backend.performance({
        model,
        alias,
        from,
        to,
        window: opts.window,
        deployment: opts.deployment,
        byArm: opts.byArm,
      });
      if (opts.json) printJson(report);
      else print(renderPerformance(report, opts.byArm === true));
    } finally {
      await backend.close();
    }
  });
}

function renderPerformance(report: PerformanceReport, byArm: boolean): string {
  if (report.windows.length === 0) {
    return `No predictions of ${report.model} from ${formatTime(report.from)} to ${formatTime(report.to)}.`;
  }
  const metricHeaders = report.task === 'regression' ? ['RMSE', 'MAE', 'R2'] : ['ACCURACY', 'F1', 'AUC'];
  const headers = [
    'WINDOW',
    'VERSION',
    ...(byArm ? ['ARM'] : []),
    'N',
    'LABELLED',
    'COVERAGE',
    ...metricHeaders,
  ];
  const row = (g: PerformanceGroup, window: string) => [
    window,
    String(g.version ?? '*'),
    ...(byArm ? [g.arm ?? ''] : []),
    String(g.predictions),
    String(g.labelled),
    `${(g.coverage * 100).toFixed(1)}%`,
    ...metrics(g, report.task),
  ];
  const rows = report.windows.map((g) => row(g, formatTime(g.windowStart)));
  if (report.windows.length > report.overall.length) rows.push(...report.overall.map((g) => row(g, 'all')));
  const note =
    report.task === undefined
      ? '\nNo prediction in the range has a label yet: see `mloop feedback add`.'
      : '';
  return `${renderTable(headers, rows)}${note}`;
}

function metrics(g: PerformanceGroup, task: PerformanceReport['task']): string[] {
  const show = (v: number | undefined) => (v === undefined ? '-' : formatNumber(v));
  if (task === 'regression')
    return [show(g.regression?.rmse), show(g.regression?.mae), show(g.regression?.r2)];
  const c = g.classification;
  return [show(c?.accuracy), show(c?.macroF1), show(c?.rocAuc)];
}
