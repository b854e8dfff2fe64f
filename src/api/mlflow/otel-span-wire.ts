import type { JsonValue } from '../../tracking/traces/types.js';

/**
 * A span of MLflow's span file as the OpenTelemetry protobuf JSON its Trace message carries
 * (GetTrace, BatchGetTraces): ids stay base64 bytes, times are int64 strings, attributes become
 * OTLP AnyValues. MLflow's file holds each attribute JSON-encoded; the client encodes the value it
 * decodes from the AnyValue again, so the value goes over decoded.
 */
type Bag = { [key: string]: JsonValue };
const isBag = (v: JsonValue | undefined): v is Bag =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function anyValue(value: JsonValue): Bag {
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { int_value: String(value) } : { double_value: value };
  if (Array.isArray(value)) return { array_value: { values: value.map(anyValue) } };
  if (isBag(value)) {
    return {
      kvlist_value: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) },
    };
  }
  return {};
}

function decodedAttribute(value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

const keyValues = (attributes: JsonValue | undefined, decode: boolean) =>
  Object.entries(isBag(attributes) ? attributes : {}).map(([key, value]) => ({
    key,
    value: anyValue(decode ? decodedAttribute(value) : value),
  }));

const nanos = (value: JsonValue | undefined) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** The spans of a span file (`{"spans": [...]}`) as OTLP Span JSON; entries that are not spans are skipped. */
export function otelSpansOf(data: JsonValue | undefined): Bag[] {
  const spans = isBag(data) && Array.isArray(data.spans) ? data.spans : [];
  return spans.filter(isBag).map((span) => {
    const status = isBag(span.status) ? span.status : {};
    const end = nanos(span.end_time_unix_nano);
    return {
      trace_id: span.trace_id ?? '',
      span_id: span.span_id ?? '',
      ...(typeof span.parent_span_id === 'string' ? { parent_span_id: span.parent_span_id } : {}),
      name: span.name ?? '',
      start_time_unix_nano: nanos(span.start_time_unix_nano) ?? '0',
      ...(end === undefined ? {} : { end_time_unix_nano: end }),
      attributes: keyValues(span.attributes, true),
      events: (Array.isArray(span.events) ? span.events : []).filter(isBag).map((event) => ({
        name: event.name ?? '',
        time_unix_nano: nanos(event.time_unix_nano) ?? '0',
        attributes: keyValues(event.attributes, false),
      })),
      status: {
        code: typeof status.code === 'string' ? status.code : 'STATUS_CODE_UNSET',
        ...(typeof status.message === 'string' && status.message ? { message: status.message } : {}),
      },
    };
  });
}
