import { toWireNumber } from '../../core/wire-number.js';
import type { Metric, Run } from '../../tracking/types.js';

/** A metric value for people: up to 6 significant digits, NaN and ±Infinity spelled out. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e9) return String(Number(value.toPrecision(6)));
  return value.toExponential(4);
}

/** Milliseconds since the epoch as `2026-01-31 14:05:09` (UTC), or "-" when absent. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

/** A duration as `850ms`, `12.4s`, `3m05s`, `2h07m`. */
export function formatDuration(start: number, end: number | undefined): string {
  if (end === undefined) return '-';
  const ms = Math.max(0, end - start);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A metric as JSON output carries it: the API's wire form, so NaN survives `JSON.stringify`. */
export function metricJson(m: Metric): Omit<Metric, 'value'> & { value: number | string } {
  return { ...m, value: toWireNumber(m.value) };
}

/** A run as JSON output carries it (stable key order: info, data, inputs). */
export function runJson(run: Run): unknown {
  return {
    info: run.info,
    data: { metrics: run.data.metrics.map(metricJson), params: run.data.params, tags: run.data.tags },
    inputs: run.inputs,
  };
}
