import type { JsonValue } from './types.js';

/** One span of a trace, read from the span file MLflow's client uploads, for display. */
export interface SpanView {
  spanId: string;
  /** Undefined for the root span. */
  parentId: string | undefined;
  name: string;
  spanType: string | undefined;
  /** Epoch milliseconds, with the fraction the nanosecond clock gave. */
  startTime: number;
  endTime: number | undefined;
  /** `OK`, `ERROR` or `UNSET`. */
  status: string;
  statusMessage: string | undefined;
  inputs: JsonValue | undefined;
  outputs: JsonValue | undefined;
  /** The other attributes, JSON-decoded where they are JSON (MLflow writes every value as JSON). */
  attributes: Record<string, JsonValue>;
}

type Bag = { [key: string]: JsonValue };

const isBag = (v: JsonValue | undefined): v is Bag =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function decoded(value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

/**
 * The spans of MLflow's trace file (`{"spans": [...]}`, each with OpenTelemetry's fields and
 * `mlflow.span*` attributes holding JSON), in start order; entries that are not spans are skipped.
 */
export function spanViews(data: JsonValue | undefined): SpanView[] {
  const spans = isBag(data) && Array.isArray(data.spans) ? data.spans : [];
  const views: SpanView[] = [];
  for (const span of spans) {
    if (!isBag(span) || typeof span.span_id !== 'string') continue;
    const attributes: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(isBag(span.attributes) ? span.attributes : {})) {
      attributes[key] = decoded(value);
    }
    const take = (key: string) => {
      const value = attributes[key];
      delete attributes[key];
      return value;
    };
    const inputs = take('mlflow.spanInputs');
    const outputs = take('mlflow.spanOutputs');
    const spanType = take('mlflow.spanType');
    take('mlflow.traceRequestId');
    const status = isBag(span.status) ? span.status : {};
    const start = Number(span.start_time_unix_nano);
    const end = span.end_time_unix_nano === null ? NaN : Number(span.end_time_unix_nano);
    views.push({
      spanId: span.span_id,
      parentId: typeof span.parent_span_id === 'string' ? span.parent_span_id : undefined,
      name: typeof span.name === 'string' ? span.name : '',
      spanType: typeof spanType === 'string' ? spanType : undefined,
      startTime: start / 1e6,
      endTime: Number.isFinite(end) ? end / 1e6 : undefined,
      status: String(status.code ?? 'UNSET').replace(/^STATUS_CODE_/, ''),
      statusMessage: typeof status.message === 'string' && status.message ? status.message : undefined,
      inputs,
      outputs,
      attributes,
    });
  }
  return views.sort((a, b) => a.startTime - b.startTime);
}
