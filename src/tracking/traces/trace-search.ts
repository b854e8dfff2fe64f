import { sql, type Kysely, type RawBuilder } from 'kysely';
import { invalidParameter } from '../../core/errors.js';
import {
  compareColumn,
  keyedCondition,
  parseEntityFilter,
  parseEntityOrderBy,
  type FilterSpec,
} from '../entity-filter.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import type { Page } from '../types.js';
import type { TraceRow, TraceTables } from './tables.js';
import type { TraceInfo } from './types.js';

export interface SearchTracesInput {
  experimentIds: string[];
  /**
   * MLflow's trace filter: `trace.status = 'OK'`, `trace.timestamp_ms > 1700000000000`,
   * `trace.execution_time_ms`, `trace.end_time_ms`, `trace.name`, `attributes.run_id = '…'` (the run
   * a trace was recorded in or linked to), `tags.K`, `metadata.K` (`request_metadata.K`), joined by AND.
   */
  filter?: string | undefined;
  /** `timestamp_ms DESC`, `execution_time_ms`, `status`, `name`, `request_id`. */
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

/** MLflow's server answers at most 500 traces a page, and 100 when not asked. */
export const maxTracesPerPage = 500;

const filterSpec: FilterSpec<'tag' | 'metadata'> = {
  entity: 'traces',
  attributes: new Map([
    ['status', { name: 'state', numeric: false }],
    ['state', { name: 'state', numeric: false }],
    ['timestamp', { name: 'request_time', numeric: true }],
    ['timestamp_ms', { name: 'request_time', numeric: true }],
    ['execution_time', { name: 'execution_duration', numeric: true }],
    ['execution_time_ms', { name: 'execution_duration', numeric: true }],
    ['end_time', { name: 'end_time', numeric: true }],
    ['end_time_ms', { name: 'end_time', numeric: true }],
    ['name', { name: 'name', numeric: false }],
    ['request_id', { name: 'trace_id', numeric: false }],
    ['trace_id', { name: 'trace_id', numeric: false }],
    ['client_request_id', { name: 'client_request_id', numeric: false }],
    ['run_id', { name: 'run_id', numeric: false }],
  ]),
  keyed: ['tag', 'metadata'],
  attributePrefixes: ['trace'],
};

const orderColumns = new Map([
  ['timestamp', 'request_time'],
  ['timestamp_ms', 'request_time'],
  ['execution_time', 'execution_duration'],
  ['execution_time_ms', 'execution_duration'],
  ['status', 'state'],
  ['name', 'name'],
  ['request_id', 'trace_id'],
  ['trace_id', 'trace_id'],
  ['experiment_id', 'experiment_id'],
]);

function attributeColumn(name: string): RawBuilder<unknown> {
  if (name === 'end_time') return sql`(traces.request_time + coalesce(traces.execution_duration, 0))`;
  return sql.ref(`traces.${name}`);
}

/** One page of the traces of some experiments, newest first unless `orderBy` says otherwise. */
export async function searchTraces(
  db: Kysely<TraceTables>,
  input: SearchTracesInput,
  load: (rows: TraceRow[]) => Promise<TraceInfo[]>,
): Promise<Page<TraceInfo>> {
  const maxResults = input.maxResults ?? 100;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > maxTracesPerPage) {
    throw invalidParameter(
      'max_results',
      `Invalid value ${maxResults} for parameter 'max_results' supplied: it must be between 1 and ${maxTracesPerPage}.`,
    );
  }
  if (input.experimentIds.length === 0) {
    throw invalidParameter('locations', 'locations must name at least one experiment');
  }
  const offset = decodePageToken(input.pageToken);
  const clauses = parseEntityFilter(input.filter, filterSpec);
  const orders = (input.orderBy ?? []).map((text) =>
    parseEntityOrderBy(text.trim().replace(/^trace\./, ''), orderColumns),
  );
  let query = db.selectFrom('traces').selectAll().where('experiment_id', 'in', input.experimentIds);
  for (const c of clauses) {
    if (c.kind === 'attribute' && c.name === 'run_id') {
      const match = compareColumn(sql.ref('l.run_id'), c.comparator, c.value);
      query = query.where(
        sql<boolean>`exists (select 1 from trace_runs l where l.trace_id = traces.trace_id and ${match})`,
      );
    } else if (c.kind === 'attribute') {
      query = query.where(compareColumn(attributeColumn(c.name), c.comparator, c.value));
    } else {
      const table = c.kind === 'tag' ? 'trace_tags' : 'trace_metadata';
      query = query.where(
        keyedCondition(table, sql`kv.trace_id = traces.trace_id`, c.key, c.comparator, c.value, false),
      );
    }
  }
  for (const o of orders) query = query.orderBy(sql.ref(`traces.${o.column}`), o.ascending ? 'asc' : 'desc');
  const rows = await query
    .orderBy('request_time', 'desc')
    .orderBy('trace_id', 'asc')
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  return {
    items: await load(rows.slice(0, maxResults)),
    nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
  };
}
