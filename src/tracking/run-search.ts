import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { checkMaxResults } from './limits.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { loadRuns } from './run-loader.js';
import { parseFilter, parseOrderBy, type Comparison, type OrderBy } from './search-grammar.js';
import type { RunRow, TrackingTables } from './tables.js';
import type { Page, Run, ViewType } from './types.js';

export interface SearchRunsInput {
  experimentIds: string[];
  /** MLflow's filter grammar, e.g. `metrics.acc > 0.9 and params.model = 'rf'`. */
  filter?: string | undefined;
  viewType?: ViewType | undefined;
  maxResults?: number | undefined;
  /** e.g. `metrics.acc DESC`, `params.lr`, `attributes.start_time DESC`. */
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}

type RunQuery = SelectQueryBuilder<TrackingTables, 'runs', RunRow>;

// Comparators map to fixed SQL text; user input only ever reaches the query as bound values.
const sqlOperator: Record<string, string> = {
  '=': '=',
  '!=': '<>',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  LIKE: 'like',
  IN: 'in',
  'NOT IN': 'not in',
};

const attributeColumn: Record<string, string> = {
  run_id: 'run_id',
  run_name: 'name',
  status: 'status',
  user_id: 'user_id',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
  lifecycle_stage: 'lifecycle_stage',
};

/** Runs matching a filter, in the requested order, one page at a time. */
export async function searchRuns(db: Kysely<TrackingTables>, input: SearchRunsInput): Promise<Page<Run>> {
  const maxResults = checkMaxResults(input.maxResults, 1000);
  const offset = decodePageToken(input.pageToken);
  const comparisons = parseFilter(input.filter);
  const orders = (input.orderBy ?? []).map(parseOrderBy);
  if (input.experimentIds.length === 0) return { items: [], nextPageToken: undefined };

  let query: RunQuery = db
    .selectFrom('runs')
    .selectAll('runs')
    .where('runs.experiment_id', 'in', input.experimentIds);
  const view = input.viewType ?? 'ACTIVE_ONLY';
  if (view !== 'ALL')
    query = query.where('runs.lifecycle_stage', '=', view === 'ACTIVE_ONLY' ? 'active' : 'deleted');
  for (const comparison of comparisons) query = query.where(conditionFor(comparison));
  query = applyOrder(query, orders);
  const rows = await query
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  return {
    items: await loadRuns(db, rows.slice(0, maxResults)),
    nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
  };
}

function conditionFor(c: Comparison): RawBuilder<boolean> {
  switch (c.type) {
    case 'metric':
      return sql<boolean>`exists (select 1 from latest_metrics m where m.run_id = runs.run_id and m.key = ${c.key} and m.is_nan = 0 and ${compare(sql.ref('m.value'), c)})`;
    case 'param':
    case 'tag': {
      const table = sql.table(c.type === 'param' ? 'params' : 'tags');
      if (c.comparator === 'IS NULL') {
        return sql<boolean>`not exists (select 1 from ${table} kv where kv.run_id = runs.run_id and kv.key = ${c.key})`;
      }
      if (c.comparator === 'IS NOT NULL') {
        return sql<boolean>`exists (select 1 from ${table} kv where kv.run_id = runs.run_id and kv.key = ${c.key})`;
      }
      return sql<boolean>`exists (select 1 from ${table} kv where kv.run_id = runs.run_id and kv.key = ${c.key} and ${compare(sql.ref('kv.value'), c)})`;
    }
    case 'attribute': {
      const column = attributeColumn[c.key] ?? 'run_id';
      return compare(sql.ref(`runs.${column}`), c);
    }
    default: {
      const column = c.key === 'context' ? 'ri.context' : `d.${c.key === 'digest' ? 'digest' : 'name'}`;
      return sql<boolean>`exists (select 1 from run_inputs ri join datasets d on d.dataset_id = ri.dataset_id where ri.run_id = runs.run_id and ${compare(sql.ref(column), c)})`;
    }
  }
}

function compare(column: RawBuilder<unknown>, c: Comparison): RawBuilder<boolean> {
  if (c.comparator === 'ILIKE') return sql<boolean>`lower(${column}) like lower(${c.value})`;
  if (c.comparator === 'IS NULL') return sql<boolean>`${column} is null`;
  if (c.comparator === 'IS NOT NULL') return sql<boolean>`${column} is not null`;
  const op = sql.raw(sqlOperator[c.comparator] ?? '=');
  if (Array.isArray(c.value)) {
    if (c.value.length === 0) return sql<boolean>`${sql.raw(c.comparator === 'IN' ? '1 = 0' : '1 = 1')}`;
    return sql<boolean>`${column} ${op} (${sql.join(c.value)})`;
  }
  return sql<boolean>`${column} ${op} ${c.value}`;
}

/**
 * Orders by each clause in turn, runs without the sorted metric/param/tag last in either
 * direction (as MLflow does), then newest first and by id so pages are stable.
 */
function applyOrder(query: RunQuery, orders: OrderBy[]): RunQuery {
  for (const order of orders) {
    const direction = sql.raw(order.ascending ? 'asc' : 'desc');
    if (order.type === 'attribute') {
      const column = sql.ref(`runs.${attributeColumn[order.key] ?? 'start_time'}`);
      query = query.orderBy(sql`${column} is null`).orderBy(sql`${column} ${direction}`);
      continue;
    }
    const table = order.type === 'metric' ? 'latest_metrics' : order.type === 'param' ? 'params' : 'tags';
    const value = sql`(select o.value from ${sql.table(table)} o where o.run_id = runs.run_id and o.key = ${order.key}${sql.raw(order.type === 'metric' ? ' and o.is_nan = 0' : '')})`;
    query = query.orderBy(sql`${value} is null`).orderBy(sql`${value} ${direction}`);
  }
  return query.orderBy('runs.start_time', 'desc').orderBy('runs.run_id', 'asc');
}
