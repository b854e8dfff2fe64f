import type { Command } from 'commander';
import type { Run, ViewType } from '../../tracking/types.js';
import {
  collectPages,
  positiveInteger,
  print,
  printJson,
  repeatable,
  resolveExperiment,
  trackingCommand,
  viewType,
  withBackend,
  type CommonOptions,
} from '../command-context.js';
import { renderFields, renderTable } from '../format/table.js';
import { formatDuration, formatNumber, formatTime, metricJson, runJson } from '../format/values.js';
import type { TrackingBackend } from '../tracking-backend.js';
import { registerRunsCompareCommand } from './runs-compare.js';

const runHint = 'check the id with `mloop runs list`';

interface RunQueryOptions extends CommonOptions {
  experiment?: string[];
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  view: string;
}

/** `mloop runs …`: list, search, show, compare, delete, restore runs and read metric histories. */
export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('Inspect and manage runs: what training code logged');

  runQueryCommand(runs.command('list').description('List runs, newest first'), [
    'mloop runs list',
    'mloop runs list --experiment churn --json',
  ]).action(async (opts: RunQueryOptions) => listRuns(opts));

  runQueryCommand(runs.command('search').description("Search runs with MLflow's filter grammar"), [
    'mloop runs search --experiment churn --filter "metrics.acc > 0.9" --order-by "metrics.acc DESC" --max-results 5',
    "mloop runs search --filter \"params.model = 'logreg' and attributes.status = 'FINISHED'\" --json",
  ])
    .option('--filter <filter>', 'e.g. "metrics.acc > 0.9 and params.lr = \'0.1\'"')
    .option('--order-by <clause>', 'e.g. "metrics.acc DESC" (repeatable)', repeatable)
    .action(async (opts: RunQueryOptions) => listRuns(opts));

  trackingCommand(
    runs
      .command('show')
      .argument('<run-id>')
      .description('Show a run: info, params, latest metrics, tags and inputs'),
    ['mloop runs show 4f3c2a…', 'mloop runs show 4f3c2a… --json'],
  ).action(async (runId: string, opts: CommonOptions) => {
    const run = await withBackend(opts, (backend) => backend.runs.get(runId), runHint);
    if (opts.json) return printJson(runJson(run));
    print(renderRun(run));
  });

  registerRunsCompareCommand(runs);

  trackingCommand(runs.command('delete').argument('<run-id>').description('Delete a run (restorable)'), [
    'mloop runs delete 4f3c2a…',
  ]).action(async (runId: string, opts: CommonOptions) => {
    const run = await withBackend(
      opts,
      async (backend) => {
        await backend.runs.delete(runId);
        return backend.runs.get(runId);
      },
      runHint,
    );
    if (opts.json) return printJson(runJson(run));
    print(`Deleted run ${runId}; undo with \`mloop runs restore ${runId}\`.`);
  });

  trackingCommand(runs.command('restore').argument('<run-id>').description('Restore a deleted run'), [
    'mloop runs restore 4f3c2a…',
  ]).action(async (runId: string, opts: CommonOptions) => {
    const run = await withBackend(
      opts,
      async (backend) => {
        await backend.runs.restore(runId);
        return backend.runs.get(runId);
      },
      runHint,
    );
    if (opts.json) return printJson(runJson(run));
    print(`Restored run ${runId}.`);
  });

  trackingCommand(
    runs
      .command('history')
      .argument('<run-id>')
      .argument('<metric-key>')
      .description('Every logged point of one metric of a run'),
    ['mloop runs history 4f3c2a… val_accuracy', 'mloop runs history 4f3c2a… train_loss --json'],
  )
    .option('--max-results <n>', 'at most this many points', positiveInteger('--max-results'), 100_000)
    .action(async (runId: string, key: string, opts: CommonOptions & { maxResults: number }) => {
      const points = await withBackend(
        opts,
        (backend) =>
          collectPages(opts.maxResults, (pageToken, maxResults) =>
            backend.runs.metricHistory(runId, key, { maxResults, ...(pageToken ? { pageToken } : {}) }),
          ),
        runHint,
      );
      if (opts.json) return printJson(points.map(metricJson));
      if (points.length === 0)
        return print(
          `Run ${runId} has no metric '${key}': see its metrics with \`mloop runs show ${runId}\`.`,
        );
      print(
        renderTable(
          ['STEP', 'VALUE', 'TIMESTAMP'],
          points.map((m) => [String(m.step), formatNumber(m.value), formatTime(m.timestamp)]),
          { align: ['right', 'right', 'left'] },
        ),
      );
    });
}

function runQueryCommand(command: Command, examples: string[]): Command {
  return trackingCommand(command, examples)
    .option('--experiment <experiment>', 'name or id of an experiment (repeatable; default: all)', repeatable)
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--max-results <n>', 'at most this many runs', positiveInteger('--max-results'), 100);
}

async function listRuns(opts: RunQueryOptions): Promise<void> {
  const view = viewType(opts.view);
  const { runs, names } = await withBackend(opts, async (backend) => {
    const names = await experimentNames(backend, opts.experiment, view);
    const runs = await collectPages(opts.maxResults, (pageToken, maxResults) =>
      backend.runs.search({
        experimentIds: [...names.keys()],
        viewType: view,
        maxResults,
        ...(opts.filter ? { filter: opts.filter } : {}),
        ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
        ...(pageToken ? { pageToken } : {}),
      }),
    );
    return { runs, names };
  });
  if (opts.json) return printJson(runs.map(runJson));
  if (runs.length === 0) return print('No runs match.');
  print(renderRunsTable(runs, names));
}

/** Id → name of the experiments to search: the ones named, or every one in the view. */
async function experimentNames(
  backend: TrackingBackend,
  refs: string[] | undefined,
  view: ViewType,
): Promise<Map<string, string>> {
  if (refs?.length) {
    const found = await Promise.all(refs.map((ref) => resolveExperiment(backend, ref)));
    return new Map(found.map((e) => [e.experimentId, e.name]));
  }
  const all = await collectPages(50_000, (pageToken, maxResults) =>
    backend.experiments.search({
      viewType: view === 'ACTIVE_ONLY' ? 'ACTIVE_ONLY' : 'ALL',
      maxResults,
      ...(pageToken ? { pageToken } : {}),
    }),
  );
  return new Map(all.map((e) => [e.experimentId, e.name]));
}

/** Runs one per line, with the (up to four) most common metrics as columns. */
export function renderRunsTable(runs: Run[], experimentNames: Map<string, string>): string {
  const counts = new Map<string, number>();
  for (const run of runs) for (const m of run.data.metrics) counts.set(m.key, (counts.get(m.key) ?? 0) + 1);
  const metricKeys = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 4)
    .map(([key]) => key);
  const headers = ['RUN ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION', ...metricKeys];
  const rows = runs.map((run) => {
    const metrics = new Map(run.data.metrics.map((m) => [m.key, m.value]));
    const { info } = run;
    return [
      info.runId,
      info.parentRunId ? `└ ${info.runName}` : info.runName,
      experimentNames.get(info.experimentId) ?? info.experimentId,
      info.lifecycleStage === 'deleted' ? `${info.status} (deleted)` : info.status,
      formatTime(info.startTime),
      formatDuration(info.startTime, info.endTime),
      ...metricKeys.map((key) => (metrics.has(key) ? formatNumber(metrics.get(key) ?? NaN) : '-')),
    ];
  });
  return renderTable(headers, rows, { align: headers.map((_, i) => (i >= 6 ? 'right' : 'left')) });
}

function renderRun(run: Run): string {
  const { info, data, inputs } = run;
  const sections = [
    renderFields([
      ['run id', info.runId],
      ['name', info.runName],
      ['experiment', info.experimentId],
      ['status', info.status],
      ['stage', info.lifecycleStage],
      ['started', formatTime(info.startTime)],
      ['ended', formatTime(info.endTime)],
      ['duration', formatDuration(info.startTime, info.endTime)],
      ['parent run', info.parentRunId ?? '-'],
      ['artifacts', info.artifactUri],
    ]),
  ];
  const byKey = <T extends { key: string }>(items: T[]) =>
    [...items].sort((a, b) => a.key.localeCompare(b.key));
  if (data.params.length)
    sections.push(
      renderTable(
        ['PARAM', 'VALUE'],
        byKey(data.params).map((p) => [p.key, p.value]),
      ),
    );
  if (data.metrics.length) {
    sections.push(
      renderTable(
        ['METRIC', 'VALUE', 'STEP'],
        byKey(data.metrics).map((m) => [m.key, formatNumber(m.value), String(m.step)]),
        { align: ['left', 'right', 'right'] },
      ),
    );
  }
  if (data.tags.length)
    sections.push(
      renderTable(
        ['TAG', 'VALUE'],
        byKey(data.tags).map((t) => [t.key, t.value]),
      ),
    );
  if (inputs.datasetInputs.length) {
    sections.push(
      renderTable(
        ['DATASET', 'DIGEST', 'SOURCE', 'CONTEXT'],
        inputs.datasetInputs.map((d) => [
          d.dataset.name,
          d.dataset.digest,
          d.dataset.source,
          d.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? '-',
        ]),
      ),
    );
  }
  return sections.join('\n');
}
