import type { PipelineRun, StepRun } from '../../pipelines/types.js';
import { renderFields, renderTable } from '../format/table.js';
import { formatDuration, formatTime } from '../format/values.js';

/** `hit abc123def456` / `miss abc123def456`: the cache outcome and the start of the key. */
export function cacheText(step: StepRun): string {
  if (!step.cacheKey) return '-';
  return `${step.cacheHit ? 'hit' : 'miss'} ${step.cacheKey.slice(0, 12)}`;
}

/** How long a step ran; `-` for one that never started (skipped, or cancelled while waiting). */
export function stepDuration(step: StepRun): string {
  return step.startTime === undefined ? '-' : formatDuration(step.startTime, step.endTime);
}

/** One line per finished step as `mloop pipelines run` goes. */
export function stepLine(step: StepRun): string {
  const attempts = step.attempt > 1 ? `  attempts ${step.attempt}` : '';
  const error = step.error && step.status !== 'SUCCEEDED' ? `  ${step.error}` : '';
  return `${step.status.padEnd(9)}  ${step.step}  ${stepDuration(step)}  cache ${cacheText(step)}${attempts}${error}`;
}

export function renderRun(run: PipelineRun): string {
  const fields: [string, string][] = [
    ['run', run.id],
    ['pipeline', run.pipeline],
    ['status', run.status],
    [
      'trigger',
      `${run.trigger.kind}${Object.keys(run.trigger.detail).length ? ` ${JSON.stringify(run.trigger.detail)}` : ''}`,
    ],
    ['params', JSON.stringify(run.params)],
    ['started', formatTime(run.startTime)],
    ['duration', formatDuration(run.startTime, run.endTime)],
    ['tracking run', run.trackingRunId ?? '-'],
  ];
  if (run.error) fields.push(['error', run.error]);
  const rows = run.steps.map((s) => [
    s.step,
    s.status,
    String(s.attempt),
    stepDuration(s),
    cacheText(s),
    s.error ?? '',
  ]);
  return `${renderFields(fields)}\n${renderTable(['STEP', 'STATUS', 'ATTEMPTS', 'DURATION', 'CACHE', 'ERROR'], rows)}`;
}

export function renderRunList(runs: PipelineRun[]): string {
  if (runs.length === 0) return 'No pipeline runs yet: start one with `mloop pipelines run FILE.yaml`\n';
  return renderTable(
    ['RUN', 'PIPELINE', 'STATUS', 'TRIGGER', 'STARTED', 'DURATION'],
    runs.map((r) => [
      r.id,
      r.pipeline,
      r.status,
      r.trigger.kind,
      formatTime(r.startTime),
      formatDuration(r.startTime, r.endTime),
    ]),
  );
}
