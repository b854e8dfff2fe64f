import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../core/config.js';
import { invalidParameter } from '../../core/errors.js';
import { parseModelRef } from '../../registry/model-ref.js';
import type { StoredGateReport } from '../../registry/gates/types.js';
import { print, printJson, trackingCommand, type CommonOptions } from '../command-context.js';
import { exitCodes, exitCodesLine } from '../exit-codes.js';
import { renderTable } from '../format/table.js';

interface GateOptions extends CommonOptions {
  holdout: string;
  gate?: string;
  label?: string;
  save?: boolean;
}

/** `mloop models gate NAME/VERSION --holdout … --gate gate.yaml`: exit 1 when the gate fails. */
export function registerModelsGateCommand(models: Command): void {
  trackingCommand(
    models
      .command('gate')
      .argument('<model>', 'the version to judge: NAME/VERSION')
      .description(
        'Run an evaluation gate on a model version (metrics, no worse than production, slices, fairness, latency) and store the report on it',
      ),
    [
      'mloop models gate churn/4 --holdout holdout.csv --gate gate.yaml',
      'mloop models gate churn/4 --holdout churn-holdout/2 --gate gate.yaml --save --json',
      'mloop models gate churn/5 --holdout churn-holdout/3   # the gate the model holds',
    ],
  )
    .requiredOption('--holdout <file|dataset>', 'a CSV/Parquet/JSON file, or a dataset version NAME/VERSION')
    .option('--gate <file>', 'the gate, YAML or JSON (default: the gate the model holds, see --save)')
    .option('--label <column>', "the holdout's label column (default: the gate's label, else inferred)")
    .option('--save', 'hold the model to this gate: production/champion then need a passing report')
    .addHelpText(
      'after',
      `
A gate (YAML):
  label: churned
  metrics: {auc: {min: 0.8}, f1: {min: 0.6}}
  compare_to: {alias: production, max_regression: 0.01}
  slices: {column: region, metrics: {accuracy: {min: 0.7}}}
  fairness: {column: gender, metric: positive_rate, max_gap: 0.1}   # or recall
  latency: {p99_ms: 10, sample: 500}

${exitCodesLine([
  ['ok', 'passed'],
  ['failure', 'failed (the report is stored either way)'],
  ['invalidInput', 'wrong input'],
  ['notFound', 'not found'],
])}
`,
    )
    .action(async (model: string, opts: GateOptions) => {
      const ref = parseModelRef(model);
      if (!('version' in ref)) throw invalidParameter('model', `give a version: ${ref.name}/VERSION`);
      const gateText = opts.gate === undefined ? undefined : readGate(opts.gate);
      const config = loadConfig(opts.url ? { url: opts.url } : {});
      const request = { holdout: opts.holdout, label: opts.label, save: opts.save ?? false };
      let report: StoredGateReport;
      if (config.url) {
        const { MloopClient } = await import('../../sdk/client.js');
        const gate = gateText === undefined ? undefined : (parseYaml(gateText) as Record<string, unknown>);
        report = await new MloopClient({ url: config.url }).gates.run(ref.name, ref.version, {
          holdout: opts.holdout,
          ...(gate ? { gate } : {}),
          ...(opts.label ? { label: opts.label } : {}),
          save: request.save,
        });
      } else {
        const { openPlatform } = await import('../../platform.js');
        const platform = await openPlatform(config);
        try {
          report = await platform.gates.run({
            name: ref.name,
            version: ref.version,
            gate: gateText,
            ...request,
          });
        } finally {
          await platform.close();
        }
      }
      if (!report.passed) process.exitCode = exitCodes.failure;
      if (opts.json) return printJson(report);
      print(renderReport(report));
    });
}

function readGate(path: string): string {
  if (!existsSync(path)) throw invalidParameter('gate', `no gate file at "${path}"`);
  return readFileSync(path, 'utf8');
}

function renderReport(report: StoredGateReport): string {
  const rows = report.checks.map((c) => [
    c.passed ? 'pass' : 'FAIL',
    c.name,
    c.observed === undefined ? '-' : String(Number(c.observed.toFixed(4))),
    String(Number(c.threshold.toFixed(4))),
    c.reason,
  ]);
  const verdict = report.passed
    ? `${report.name}/${report.version} passed its gate on ${report.holdout} (${report.rows} rows).`
    : `${report.name}/${report.version} FAILED its gate on ${report.holdout} (${report.rows} rows): production and champion will refuse it (override with \`mloop models alias ${report.name} production ${report.version} --force --reason "…"\`).`;
  return `${renderTable(['', 'check', 'observed', 'threshold', 'why'], rows)}\n${verdict}`;
}
