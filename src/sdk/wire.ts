import { fromWireNumber, toWireNumber, type WireNumberValue } from '../core/wire-number.js';
import type { Metric, Run } from '../tracking/types.js';

/** A metric as JSON carries it: NaN and ±Infinity travel as strings. */
export type WireMetric = Omit<Metric, 'value'> & { value: WireNumberValue };

/** A run as JSON carries it. */
export type WireRun = Omit<Run, 'data'> & { data: Omit<Run['data'], 'metrics'> & { metrics: WireMetric[] } };

export function metricFromWire(m: WireMetric): Metric {
  return { key: m.key, value: fromWireNumber(m.value), timestamp: m.timestamp, step: m.step };
}

export function metricToWire<M extends { value: number }>(
  m: M,
): Omit<M, 'value'> & { value: WireNumberValue } {
  return { ...m, value: toWireNumber(m.value) };
}

/** Turns a run from the wire into the domain type; optional fields the server omitted become undefined. */
export function runFromWire(r: WireRun): Run {
  return {
    info: { ...r.info, endTime: r.info.endTime ?? undefined, parentRunId: r.info.parentRunId ?? undefined },
    data: { metrics: r.data.metrics.map(metricFromWire), params: r.data.params, tags: r.data.tags },
    inputs: r.inputs,
  };
}
