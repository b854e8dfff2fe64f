/** Row shapes of the trace tables (migration 0024), as the database returns them. */

export interface TraceRow {
  trace_id: string;
  experiment_id: string;
  client_request_id: string | null;
  request_time: number;
  execution_duration: number | null;
  state: string;
  name: string | null;
  request_preview: string | null;
  response_preview: string | null;
}

export interface TraceKeyValueRow {
  trace_id: string;
  key: string;
  value: string;
}

export interface AssessmentRow {
  assessment_id: string;
  trace_id: string;
  name: string;
  create_time: number;
  last_update_time: number;
  body: string;
}

export interface TraceTables {
  traces: TraceRow;
  trace_tags: TraceKeyValueRow;
  trace_metadata: TraceKeyValueRow;
  trace_runs: { trace_id: string; run_id: string };
  trace_assessments: AssessmentRow;
}
