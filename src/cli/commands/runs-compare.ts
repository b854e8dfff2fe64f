import type { Command } from 'commander';
import { toWireNumber, type WireNumberValue } from '../../core/wire-number.js';
import { invalidParameter } from '../../core/errors.js';
import type { Run } from '../../tracking/types.js';
import { print, printJson, trackingCommand, withBackend, type CommonOptions } from '../command-context.js';
import { renderTable } from '../format/table.js';
import { formatNumber } from '../format/values.js';

export type Goal = 'max' | 'min';

/** Runs side by side: every param and latest metric, what differs, and which run is best. */
export interface RunComparison {
  runs: { runId: string; runName: string }[];
  /** One row per param key; `null` where a run lacks the param. */
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  /** One row per metric key; `best` holds the ids of the runs with the best finite value. */
  metrics: { key: string; goal: Goal; values: (WireNumberValue | null)[]; best: string[] }[];
}

// Names that read as "lower is better"; everything else (accuracy, auc, f1…) is maximised.
const lowerIsBetter = /(loss|error|err$|rmse|mse|mae|mape|perplexity|latency|duration|time)/i;

/** Decides the goal of a metric: an explicit `--minimize`/`--maximize` key wins over its name. */
export function goalOf(key: string, minimize: Set<string>, maximize: Set<string>): Goal {
  if (minimize.has(key)) return 'min';
  if (maximize.has(key)) return 'max';
  return lowerIsBetter.test(key) ? 'min' : 'max';
}

/** Builds the comparison of runs, in the order given. */
export function compareRuns(runs: Run[], goal: (key: string) => Goal): RunComparison {
  const keysOf = (pick: (run: Run) => { key: string }[]) =>
    [...new Set(runs.flatMap((r) => pick(r).map((x) => x.key)))].sort();
  const params = keysOf((r) => r.data.params).map((key) => {
    const values = runs.map((r) => r.data.params.find((p) => p.key === key)?.value ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });
  const metrics = keysOf((r) => r.data.metrics).map((key) => {
    const values = runs.map((r) => r.data.metrics.find((m) => m.key === key)?.value);
    const direction = goal(key);
    const finite = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
    const bestValue =
      finite.length === 0 ? undefined : direction === 'max' ? Math.max(...finite) : Math.min(...finite);
    const best = runs
      .filter((_, i) => bestValue !== undefined && values[i] === bestValue)
      .map((r) => r.info.runId);
    return {
      key,
      goal: direction,
      values: values.map((v) => (v === undefined ? null : toWireNumber(v))),
      best,
    };
  });
  return { runs: runs.map((r) => ({ runId: r.info.runId, runName: r.info.runName })), params, metrics };
}

/** The comparison as a table: runs as columns, `≠` before differing params, `*` after each metric's best value. */
export function renderComparison(c: RunComparison): string {
  const blank = c.runs.map(() => '');
  const rows: string[][] = [['', 'ID', ...c.runs.map((r) => r.runId.slice(0, 12))]];
  if (c.params.length) {
    rows.push(['', 'PARAMS', ...blank]);
    for (const p of c.params) rows.push([p.differs ? '≠' : '', p.key, ...p.values.map((v) => v ?? '-')]);
  }
  if (c.metrics.length) {
    rows.push(['', 'METRICS (latest)', ...blank]);
    for (const m of c.metrics) {
      // Marking every run as best says nothing: only mark when the runs differ.
      const marks = m.best.length < c.runs.length;
      const cells = m.values.map((v, i) => {
        if (v === null) return '-';
        const text = formatNumber(Number(v));
        return marks && m.best.includes(c.runs[i]?.runId ?? '') ? `${text} *` : text;
      });
      rows.push(['', `${m.key} ${m.goal === 'max' ? '↑' : '↓'}`, ...cells]);
    }
  }
  const table = renderTable(['', 'RUN', ...c.runs.map((r) => r.runName)], rows);
  return `${table}\n≠ param differs across runs   * best value (↑ higher is better, ↓ lower is better)\n`;
}

/** `mloop runs compare RUN_ID RUN_ID …`. */
export function registerRunsCompareCommand(runs: Command): void {
  trackingCommand(
    runs
      .command('compare')
      .argument('<run-ids...>', 'two or more run ids')
      .description(
        'Compare runs side by side: params (marking those that differ) and latest metrics (marking the best)',
      ),
    ['mloop runs compare 4f3c2a… 9b1e0d…', 'mloop runs compare 4f3c2a… 9b1e0d… --minimize val_error --json'],
  )
    .option(
      '--minimize <keys>',
      'comma-separated metrics where lower is better (default: names with loss, error, rmse…)',
    )
    .option('--maximize <keys>', 'comma-separated metrics where higher is better (default: all others)')
    .action(async (runIds: string[], opts: CommonOptions & { minimize?: string; maximize?: string }) => {
      if (runIds.length < 2)
        throw invalidParameter(
          'run-ids',
          'compare needs at least two run ids: `mloop runs compare RUN_ID RUN_ID …`',
        );
      const minimize = new Set(splitKeys(opts.minimize));
      const maximize = new Set(splitKeys(opts.maximize));
      const loaded = await withBackend(
        opts,
        (backend) => Promise.all(runIds.map((id) => backend.runs.get(id))),
        'check the ids with `mloop runs list`',
      );
      const comparison = compareRuns(loaded, (key) => goalOf(key, minimize, maximize));
      if (opts.json) return printJson(comparison);
      print(renderComparison(comparison));
    });
}

function splitKeys(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
}
