import { Type, type Static } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { AssessmentInput, AssessmentUpdate } from '../../tracking/traces/assessments.js';
import type { StartTraceInput } from '../../tracking/traces/traces.js';
import {
  traceStates,
  type Assessment,
  type AssessmentValue,
  type JsonValue,
  type TraceInfo,
  type TraceState,
} from '../../tracking/traces/types.js';

/**
 * MLflow 3's trace messages in protobuf JSON (TraceInfoV3, Assessment) and their mapping to
 * tracking's types. Times travel as google.protobuf.Timestamp (RFC 3339 text) and durations as
 * google.protobuf.Duration (`"0.055s"`), as the client's protobuf parser requires.
 */
const StringMap = Type.Record(Type.String(), Type.String());
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const WireAssessment = Type.Object({
  assessment_id: Type.Optional(Type.String()),
  assessment_name: Type.String(),
  trace_id: Type.Optional(Type.String()),
  span_id: Type.Optional(Type.String()),
  source: Type.Optional(
    Type.Object({ source_type: Type.Optional(Type.String()), source_id: Type.Optional(Type.String()) }),
  ),
  create_time: Type.Optional(Type.String()),
  last_update_time: Type.Optional(Type.String()),
  feedback: Type.Optional(JsonObject),
  expectation: Type.Optional(JsonObject),
  rationale: Type.Optional(Type.String()),
  metadata: Type.Optional(StringMap),
  overrides: Type.Optional(Type.String()),
  valid: Type.Optional(Type.Boolean()),
});
export type WireAssessmentValue = Static<typeof WireAssessment>;

export const WireTraceInfo = Type.Object({
  trace_id: Type.String(),
  client_request_id: Type.Optional(Type.String()),
  trace_location: Type.Object({
    type: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
    mlflow_experiment: Type.Optional(Type.Object({ experiment_id: Type.String() })),
  }),
  request_time: Type.String(),
  execution_duration: Type.Optional(Type.String()),
  state: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
  trace_metadata: Type.Optional(StringMap),
  assessments: Type.Optional(Type.Array(WireAssessment)),
  tags: Type.Optional(StringMap),
  request_preview: Type.Optional(Type.String()),
  response_preview: Type.Optional(Type.String()),
  request: Type.Optional(Type.String()),
  response: Type.Optional(Type.String()),
});
export type WireTraceInfoValue = Static<typeof WireTraceInfo>;

/** `2023-11-14T22:13:20.123456Z` (or with an offset) → epoch ms; a 400 naming `field` otherwise. */
export function msOfTimestamp(text: string, field: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  const whole = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
  if (!match || Number.isNaN(whole)) {
    throw invalidParameter(
      field,
      `Invalid value "${text}" for parameter '${field}': expected an RFC 3339 timestamp.`,
    );
  }
  return whole + Math.floor(Number(`0.${match[2] ?? '0'}`) * 1000);
}

export function timestampOfMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** `"1.5s"` → 1500 ms. */
export function msOfDuration(text: string, field: string): number {
  const match = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) {
    throw invalidParameter(
      field,
      `Invalid value "${text}" for parameter '${field}': expected a duration such as "1.5s".`,
    );
  }
  const seconds = Number(match[1]);
  const fraction = Number(`0.${match[2] ?? '0'}`) * (text.startsWith('-') ? -1 : 1);
  return Math.round((seconds + fraction) * 1000);
}

export function durationOfMs(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

function stateOf(value: string | number | undefined): TraceState {
  if (value === undefined) return 'STATE_UNSPECIFIED';
  const name = typeof value === 'number' ? traceStates[value] : value;
  if (name === undefined || !(traceStates as readonly string[]).includes(name)) {
    throw invalidParameter('state', `Invalid value ${JSON.stringify(value)} for parameter 'state' supplied.`);
  }
  return name as TraceState;
}

export function traceInfoFromWire(w: WireTraceInfoValue): StartTraceInput {
  const experimentId = w.trace_location.mlflow_experiment?.experiment_id;
  if (!experimentId) {
    throw invalidParameter(
      'trace_location',
      "Missing value for required parameter 'trace_location.mlflow_experiment.experiment_id'.",
    );
  }
  return {
    traceId: w.trace_id,
    experimentId,
    clientRequestId: w.client_request_id || undefined,
    requestTime: msOfTimestamp(w.request_time, 'request_time'),
    executionDuration:
      w.execution_duration === undefined
        ? undefined
        : msOfDuration(w.execution_duration, 'execution_duration'),
    state: stateOf(w.state),
    requestPreview: w.request_preview ?? w.request,
    responsePreview: w.response_preview ?? w.response,
    metadata: w.trace_metadata ?? {},
    tags: w.tags ?? {},
    assessments: (w.assessments ?? []).map(assessmentFromWire),
  };
}

export function traceInfoToWire(t: TraceInfo) {
  return {
    trace_id: t.traceId,
    ...(t.clientRequestId === undefined ? {} : { client_request_id: t.clientRequestId }),
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: t.experimentId } },
    request_time: timestampOfMs(t.requestTime),
    ...(t.executionDuration === undefined ? {} : { execution_duration: durationOfMs(t.executionDuration) }),
    state: t.state,
    trace_metadata: t.metadata,
    assessments: t.assessments.map(assessmentToWire),
    tags: t.tags,
    ...(t.requestPreview === undefined ? {} : { request_preview: t.requestPreview }),
    ...(t.responsePreview === undefined ? {} : { response_preview: t.responsePreview }),
  };
}

function valueFromWire(w: WireAssessmentValue): AssessmentValue {
  if (w.feedback && w.expectation) {
    throw invalidParameter('assessment', 'An assessment is either a feedback or an expectation, not both.');
  }
  if (w.feedback) {
    const error = w.feedback.error as { [key: string]: JsonValue } | undefined;
    return {
      kind: 'feedback',
      value: w.feedback.value as JsonValue | undefined,
      ...(error ? { error } : {}),
    };
  }
  if (w.expectation) {
    const serialized = w.expectation.serialized_value as { [key: string]: JsonValue } | undefined;
    return {
      kind: 'expectation',
      value: w.expectation.value as JsonValue | undefined,
      ...(serialized ? { serializedValue: serialized } : {}),
    };
  }
  throw invalidParameter('assessment', "An assessment must have a 'feedback' or an 'expectation'.");
}

export function assessmentFromWire(w: WireAssessmentValue): AssessmentInput {
  return {
    assessmentId: w.assessment_id,
    name: w.assessment_name,
    spanId: w.span_id,
    source: w.source
      ? { sourceType: w.source.source_type ?? 'SOURCE_TYPE_UNSPECIFIED', sourceId: w.source.source_id ?? '' }
      : undefined,
    createTime: w.create_time === undefined ? undefined : msOfTimestamp(w.create_time, 'create_time'),
    lastUpdateTime:
      w.last_update_time === undefined ? undefined : msOfTimestamp(w.last_update_time, 'last_update_time'),
    value: valueFromWire(w),
    rationale: w.rationale,
    metadata: w.metadata,
    overrides: w.overrides,
    valid: w.valid,
  };
}

/** An update's fields, as its `update_mask.paths` name them. */
export function assessmentUpdateFromWire(w: Partial<WireAssessmentValue>, paths: string[]): AssessmentUpdate {
  const known = ['assessment_name', 'expectation', 'feedback', 'rationale', 'metadata'];
  const unknown = paths.find((p) => !known.includes(p));
  if (unknown !== undefined) {
    throw invalidParameter('update_mask', `Invalid update_mask path '${unknown}': use ${known.join(', ')}.`);
  }
  const has = (p: string) => paths.includes(p);
  if (has('feedback') && has('expectation')) {
    throw invalidParameter('update_mask', 'Exactly one of `expectation` or `feedback` should be specified.');
  }
  const value =
    has('feedback') || has('expectation')
      ? valueFromWire({
          assessment_name: '',
          ...(has('feedback') ? { feedback: w.feedback ?? {} } : { expectation: w.expectation ?? {} }),
        })
      : undefined;
  return {
    name: has('assessment_name') ? w.assessment_name : undefined,
    value,
    rationale: has('rationale') ? (w.rationale ?? '') : undefined,
    metadata: has('metadata') ? (w.metadata ?? {}) : undefined,
  };
}

export function assessmentToWire(a: Assessment) {
  const value =
    a.value.kind === 'feedback'
      ? { feedback: { value: a.value.value ?? null, ...(a.value.error ? { error: a.value.error } : {}) } }
      : {
          expectation: {
            ...(a.value.value === undefined ? {} : { value: a.value.value }),
            ...(a.value.serializedValue ? { serialized_value: a.value.serializedValue } : {}),
          },
        };
  return {
    assessment_id: a.assessmentId,
    assessment_name: a.name,
    trace_id: a.traceId,
    ...(a.spanId === undefined ? {} : { span_id: a.spanId }),
    ...(a.source ? { source: { source_type: a.source.sourceType, source_id: a.source.sourceId } } : {}),
    create_time: timestampOfMs(a.createTime),
    last_update_time: timestampOfMs(a.lastUpdateTime),
    ...value,
    ...(a.rationale === undefined ? {} : { rationale: a.rationale }),
    ...(a.metadata === undefined ? {} : { metadata: a.metadata }),
    ...(a.overrides === undefined ? {} : { overrides: a.overrides }),
    valid: a.valid,
  };
}
