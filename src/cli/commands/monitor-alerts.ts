import type { Command } from 'commander';
import { invalidParameter } from '../../core/errors.js';
import {
  alertKinds,
  type Alert,
  type AlertKind,
  type AlertRule,
  type Evaluation,
} from '../../monitoring/alerts/types.js';
import { formatWindowLength, parseWindowLength } from '../../monitoring/window-spec.js';
import { withAlerts } from '../alerts-backend.js';
import {
  positiveInteger,
  print,
  printJson,
  trackingCommand,
  type CommonOptions,
} from '../command-context.js';
import { exitCodes } from '../exit-codes.js';
import { renderTable } from '../format/table.js';
import { formatNumber, formatTime } from '../format/values.js';

interface AddOptions extends CommonOptions {
  model?: string;
  deployment?: string;
  kind: string;
  threshold: string;
  window: string;
  metric?: string;
  reference?: string;
  allVersions?: boolean;
  webhook?: string;
  cooldown?: string;
  disabled?: boolean;
  description?: string;
}

/** `mloop monitor alerts …`: alert rules, their evaluation, and the alerts they raised. */
export function registerMonitorAlertsCommand(monitor: Command): void {
  const alerts = monitor
    .command('alerts')
    .description(
      'Alert rules (drift, performance, error rate, latency over a window) and the alerts they raised',
    );
  const rules = alerts.command('rules').description('Create, list, enable, disable and remove alert rules');

  trackingCommand(rules.command('add').argument('<name>').description('Create an alert rule'), [
    'mloop monitor alerts rules add churn-drift --model churn@champion --kind drift_share --threshold 0.3 --window 1h --reference data/train.parquet --webhook https://hooks.example.com/mloop',
    'mloop monitor alerts rules add churn-accuracy --model churn@champion --kind metric_below --metric accuracy --threshold 0.85 --window 24h',
    'mloop monitor alerts rules add api-latency --deployment churn-api --kind p99_latency_above --threshold 250 --window 15m --cooldown 30m',
  ])
    .option('--model <ref>', 'the model reference it watches: NAME@ALIAS or NAME/VERSION')
    .option('--deployment <name>', 'or the deployment it watches')
    .requiredOption('--kind <kind>', alertKinds.join(', '))
    .requiredOption(
      '--threshold <value>',
      'fires above it (below it for metric_below); shares are 0..1, latency in ms',
    )
    .option('--window <length>', 'the window the value is computed over: 15m, 1h, 7d', '1h')
    .option(
      '--metric <name>',
      'for metric_below/metric_above: accuracy, f1, auc, log_loss, rmse, mae, r2, coverage',
    )
    .option('--reference <ref>', 'for drift_share: a data file, dataset NAME/VERSION or window:-24h..-1h')
    .option('--all-versions', "count every version's predictions in the window")
    .option('--webhook <url>', 'POST alerts here as JSON (retried; failures are recorded, never fatal)')
    .option('--cooldown <length>', 'no new alert for this long after one fires', '1h')
    .option('--disabled', 'create it without scheduled evaluation')
    .option('--description <text>', 'what it is for')
    .action(async (name: string, opts: AddOptions) => {
      if (!(alertKinds as readonly string[]).includes(opts.kind)) {
        throw invalidParameter(
          '--kind',
          `--kind must be one of ${alertKinds.join(', ')}, got "${opts.kind}"`,
        );
      }
      const threshold = Number(opts.threshold);
      if (opts.threshold.trim() === '' || !Number.isFinite(threshold)) {
        throw invalidParameter('--threshold', `--threshold must be a number, got "${opts.threshold}"`);
      }
      parseWindowLength(opts.window, '--window');
      const rule = await withAlerts(opts, (a) =>
        a.createRule({
          name,
          model: opts.model,
          deployment: opts.deployment,
          kind: opts.kind as AlertKind,
          threshold,
          window: opts.window,
          metric: opts.metric,
          reference: opts.reference,
          allVersions: opts.allVersions,
          webhookUrl: opts.webhook,
          cooldown: opts.cooldown,
          enabled: !opts.disabled,
          description: opts.description,
        }),
      );
      if (opts.json) return printJson(rule);
      print(`Created alert rule ${rule.name}: ${describeRule(rule)}.`);
    });

  trackingCommand(rules.command('list').description('List alert rules and their last evaluation'), [
    'mloop monitor alerts rules list',
    'mloop monitor alerts rules list --json',
  ]).action(async (opts: CommonOptions) => {
    const items = await withAlerts(opts, (a) => a.listRules());
    if (opts.json) return printJson(items);
    if (items.length === 0) {
      return print(
        'No alert rules. Add one with `mloop monitor alerts rules add NAME --model REF --kind KIND --threshold X`.',
      );
    }
    print(
      renderTable(
        ['NAME', 'ENABLED', 'WATCHES', 'RULE', 'LAST EVALUATED', 'OUTCOME', 'VALUE'],
        items.map((r) => [
          r.name,
          r.enabled ? 'yes' : 'no',
          'model' in r.target ? r.target.model : `deployment ${r.target.deployment}`,
          describeRule(r),
          formatTime(r.lastEvaluation?.time),
          r.lastEvaluation?.outcome ?? '-',
          r.lastEvaluation?.value === undefined ? '' : formatNumber(r.lastEvaluation.value),
        ]),
      ),
    );
  });

  trackingCommand(
    rules.command('rm').argument('<name>').description('Remove an alert rule (its alerts stay)'),
    ['mloop monitor alerts rules rm churn-drift'],
  ).action(async (name: string, opts: CommonOptions) => {
    await withAlerts(opts, (a) => a.deleteRule(name));
    if (opts.json) return printJson({ deleted: name });
    print(`Removed alert rule ${name}.`);
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    trackingCommand(
      rules
        .command(action)
        .argument('<name>')
        .description(`${enabled ? 'Resume' : 'Pause'} a rule's scheduled evaluation`),
      [`mloop monitor alerts rules ${action} churn-drift`],
    ).action(async (name: string, opts: CommonOptions) => {
      const rule = await withAlerts(opts, (a) => a.setEnabled(name, enabled));
      if (opts.json) return printJson(rule);
      print(`Alert rule ${name} is ${enabled ? 'enabled' : 'disabled'}.`);
    });
  }

  trackingCommand(alerts.command('list').description('List alerts, newest first'), [
    'mloop monitor alerts list',
    'mloop monitor alerts list --rule churn-drift --since 7d',
    'mloop monitor alerts list --status firing --json',
  ])
    .option('--rule <name>', 'only this rule’s alerts')
    .option('--status <status>', 'firing or resolved')
    .option('--since <length>', 'only alerts fired within this long: 24h, 7d')
    .option('--max <n>', 'at most this many (up to 1000)', positiveInteger('--max'), 100)
    .action(async (opts: CommonOptions & { rule?: string; status?: string; since?: string; max: number }) => {
      if (opts.status !== undefined && opts.status !== 'firing' && opts.status !== 'resolved') {
        throw invalidParameter('--status', `--status must be firing or resolved, got "${opts.status}"`);
      }
      const from = opts.since ? Date.now() - parseWindowLength(opts.since, '--since') : undefined;
      const items = await withAlerts(opts, (a) =>
        a.listAlerts({
          rule: opts.rule,
          status: opts.status as Alert['status'] | undefined,
          from,
          maxResults: opts.max,
        }),
      );
      if (opts.json) return printJson(items);
      if (items.length === 0) return print('No alerts.');
      print(
        renderTable(
          ['FIRED', 'RULE', 'MODEL', 'STATUS', 'VALUE', 'THRESHOLD', 'RESOLVED', 'WEBHOOK', 'ID'],
          items.map((a) => [
            formatTime(a.firedTime),
            a.rule,
            a.model,
            a.status,
            formatNumber(a.value),
            formatNumber(a.threshold),
            formatTime(a.resolvedTime),
            a.webhook.status === 'failed' ? `failed (${a.webhook.error ?? ''})` : a.webhook.status,
            a.id,
          ]),
        ),
      );
    });

  trackingCommand(
    alerts
      .command('evaluate')
      .argument('[names...]', 'rules to evaluate (default: every enabled rule)')
      .description(
        'Evaluate alert rules now: they may fire or resolve alerts, as the server does on its schedule',
      ),
    ['mloop monitor alerts evaluate', 'mloop monitor alerts evaluate churn-drift --fail-on-alert'],
  )
    .option('--fail-on-alert', 'exit with status 1 when a rule fired or is still firing')
    .action(async (names: string[], opts: CommonOptions & { failOnAlert?: boolean }) => {
      const evaluations = await withAlerts(opts, async (a) => {
        const targets =
          names.length > 0 ? names : (await a.listRules()).filter((r) => r.enabled).map((r) => r.name);
        const out: Evaluation[] = [];
        for (const name of targets) out.push(await a.evaluate(name));
        return out;
      });
      if (opts.json) printJson(evaluations);
      else if (evaluations.length === 0) print('No enabled alert rules to evaluate.');
      else {
        print(
          renderTable(
            ['RULE', 'OUTCOME', 'VALUE', 'THRESHOLD', 'DETAIL'],
            evaluations.map((e) => [
              e.rule,
              e.outcome,
              e.value === undefined ? '' : formatNumber(e.value),
              formatNumber(e.threshold),
              e.message,
            ]),
            { maxCellWidth: 120 },
          ),
        );
      }
      if (opts.failOnAlert && evaluations.some((e) => e.outcome === 'fired' || e.outcome === 'firing')) {
        process.exitCode = exitCodes.failure;
      }
    });
}

function describeRule(rule: AlertRule): string {
  const what =
    rule.kind === 'metric_below' || rule.kind === 'metric_above'
      ? `${rule.metric} ${rule.kind.slice(7)}`
      : rule.kind.replace(/_above$/, ' above');
  return `${what} ${rule.threshold} over ${formatWindowLength(rule.windowMs)}`;
}
