import { sql, type Kysely, type RawBuilder } from 'kysely';
import { checkMaxResults } from './limits.js';
import { decodePageCursor, encodePageToken, type PageCursor } from './page-token.js';
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

const nullableAttributes = new Set(['end_time']);

/** A run row with the value it was sorted by, when a metric ordered its page. */
type SortedRow = RunRow & { sort_value?: number | null };

/** Runs matching a filter, in the requested order, one page at a time. */
export async function searchRuns(db: Kysely<TrackingTables>, input: SearchRunsInput): Promise<Page<Run>> {
  const maxResults = checkMaxResults(input.maxResults, 1000);
  const { offset, after } = decodePageCursor(input.pageToken);
  const comparisons = parseFilter(input.filter);
  const orders = (input.orderBy ?? []).map(parseOrderBy);
  if (input.experimentIds.length === 0) return { items: [], nextPageToken: undefined };

  const plan = new QueryPlan(await metricFiltersDrive(db, comparisons, orders));
  plan.where(sql`runs.experiment_id in (${sql.join(input.experimentIds)})`);
  const view = input.viewType ?? 'ACTIVE_ONLY';
  if (view !== 'ALL')
    plan.where(sql`runs.lifecycle_stage = ${view === 'ACTIVE_ONLY' ? 'active' : 'deleted'}`);
  for (const comparison of comparisons) plan.filter(comparison);
  const byMetric = soleMetricOrder(orders, comparisons);
  let rows: SortedRow[];
  let kind: PageCursor['kind'] | undefined;
  if (byMetric && plan.joins.length === 0 && (after?.kind === 'value' || offset <= metricWalkMaxOffset)) {
    kind = 'value';
    rows = await metricOrderedPage(db, plan.conditions, byMetric, maxResults + 1, offset, after);
  } else {
    for (const order of orders) plan.order(order);
    // Seeking past the previous page's last row (rather than counting `offset` rows again) works
    // for the orders whose sort key is known for every row: start time alone, or a filtered metric.
    const seek = plan.seekable(orders);
    kind = seek?.kind;
    const cursor = after?.kind === kind ? after : undefined;
    if (seek && cursor) plan.where(afterCondition(cursor, seek.value, seek.ascending));
    const sortValue = seek?.value ? sql`, ${seek.value} as sort_value` : sql``;
    const query = sql<SortedRow>`select runs.*${sortValue} from runs ${sql.join(plan.joins, sql` `)}
      where ${sql.join(plan.conditions, sql` and `)}
      order by ${sql.join([...plan.orderings, sql`runs.start_time desc`, sql`runs.run_id asc`])}
      limit ${maxResults + 1} offset ${cursor ? 0 : offset}`;
    rows = (await query.execute(db)).rows;
  }
  return {
    items: await loadRuns(db, rows.slice(0, maxResults)),
    nextPageToken:
      rows.length > maxResults
        ? encodePageToken(offset + maxResults, cursorAfter(rows[maxResults - 1] as SortedRow, kind))
        : undefined,
  };
}

/** The cursor of a page ending at `row`; none when the row's sort key is not all known. */
function cursorAfter(row: SortedRow, kind: PageCursor['kind'] | undefined): PageCursor | undefined {
  const time = Number(row.start_time);
  if (kind === 'time') return { kind, time, id: row.run_id };
  if (kind === 'value' && row.sort_value !== undefined && row.sort_value !== null)
    return { kind, value: Number(row.sort_value), time, id: row.run_id };
  return undefined;
}

/**
 * Rows after the cursor in (value, start time descending, run id) order. The redundant bound on
 * the value (and on the start time) lets the database start its index scan at the cursor.
 */
function afterCondition(
  cursor: PageCursor,
  value: RawBuilder<unknown> | undefined,
  ascending: boolean,
): RawBuilder<unknown> {
  const afterTime = sql`(runs.start_time < ${cursor.time} or (runs.start_time = ${cursor.time} and runs.run_id > ${cursor.id}))`;
  if (!value || cursor.value === undefined) return sql`runs.start_time <= ${cursor.time} and ${afterTime}`;
  const [beyond, atOrBeyond] = ascending ? [sql.raw('>'), sql.raw('>=')] : [sql.raw('<'), sql.raw('<=')];
  return sql`${value} ${atOrBeyond} ${cursor.value} and (${value} ${beyond} ${cursor.value} or (${value} = ${cursor.value} and ${afterTime}))`;
}

/**
 * Deepest offset at which a metric order walks the index (see metricOrderedPage). Measured on
 * 100,000 runs (SQLite, page of 100): the walk answers offset 0 in 9 ms, 5,000 in 32, 20,000 in
 * 85; the single sorting query takes 130–250 ms at any offset, so beyond ~60,000 it is the faster.
 */
const metricWalkMaxOffset = 20_000;

/** The order when it is by one metric alone that no filter names (the dashboard's column sort). */
function soleMetricOrder(orders: OrderBy[], comparisons: Comparison[]): OrderBy | undefined {
  const [order] = orders;
  if (orders.length !== 1 || order?.type !== 'metric') return undefined;
  return comparisons.some((c) => c.type === 'metric' && c.key === order.key) ? undefined : order;
}

/**
 * One page of runs ordered by a metric, in two parts: the runs with a (non-NaN) value, walked from
 * the `latest_metrics` (key, value) index in value order so a page reads about a page of rows,
 * then the runs without one, newest first (where MLflow puts them, in either direction). The
 * single query this replaces joined every run of the experiment to its value and sorted them all
 * for each page (~200 ms for 100,000 runs).
 */
async function metricOrderedPage(
  db: Kysely<TrackingTables>,
  conditions: RawBuilder<unknown>[],
  order: OrderBy,
  limit: number,
  offset: number,
  after: PageCursor | undefined,
): Promise<SortedRow[]> {
  const where = sql.join(conditions, sql` and `);
  const value = sql.ref('o.value');
  const cursor = after?.kind === 'value' ? after : undefined;
  const seek = cursor ? sql` and ${afterCondition(cursor, value, order.ascending)}` : sql``;
  const valued = sql`from latest_metrics o join runs on runs.run_id = o.run_id
    where o.key = ${order.key} and o.is_nan = 0 and ${where}`;
  const direction = sql.raw(order.ascending ? 'asc' : 'desc');
  const { rows: first } = await sql<SortedRow>`select runs.*, o.value as sort_value ${valued}${seek}
    order by o.value ${direction}, runs.start_time desc, runs.run_id asc
    limit ${limit} offset ${cursor ? 0 : offset}`.execute(db);
  if (first.length === limit) return first;
  // Past the valued runs the offset continues into the others: count the valued ones only then.
  // After a cursor (which only a valued row sets) the others start at their beginning.
  let skip = 0;
  if (!cursor && first.length === 0 && offset > 0) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n ${valued}`.execute(db);
    skip = Math.max(0, offset - Number(rows[0]?.n ?? 0));
  }
  const { rows: rest } = await sql<RunRow>`select runs.* from runs
    where not exists (select 1 from latest_metrics m
      where m.run_id = runs.run_id and m.key = ${order.key} and m.is_nan = 0) and ${where}
    order by runs.start_time desc, runs.run_id asc
    limit ${limit - first.length} offset ${skip}`.execute(db);
  return [...first, ...rest];
}

/** Candidates a metric filter may have and still drive the search from the metric index. */
const metricDriveLimit = 2000;

/**
 * Whether metric filters should drive the search from the `latest_metrics` (key, value) index. They
 * should when the order is by a filtered metric (the index then yields rows in order and the page
 * stops early) or when a filter has few candidates. A broad filter under another order is better
 * checked run by run while walking runs newest first, stopping at the page: driven from the index,
 * SQLite, which keeps no value statistics, would fetch and sort every candidate (a 10% filter over
 * 100,000 runs took ~300 ms that way, ~10 ms the other). A bounded count on the index decides.
 */
async function metricFiltersDrive(
  db: Kysely<TrackingTables>,
  comparisons: Comparison[],
  orders: OrderBy[],
): Promise<boolean> {
  const metricFilters = comparisons.filter((c) => c.type === 'metric');
  if (metricFilters.length === 0) return false;
  const filtered = new Set(metricFilters.map((c) => c.key));
  if (orders.some((o) => o.type === 'metric' && filtered.has(o.key))) return true;
  for (const c of metricFilters) {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from (select 1 from latest_metrics m
      where m.key = ${c.key} and ${compare(sql.ref('m.value'), c)} limit ${metricDriveLimit + 1}) candidates`.execute(
      db,
    );
    if (Number(rows[0]?.n ?? 0) <= metricDriveLimit) return true;
  }
  return false;
}

/**
 * The pieces of one search query. When metric filters drive (see metricFiltersDrive) they become
 * inner joins on `latest_metrics` (one row per run and key), and ordering by a filtered metric
 * reuses that join; otherwise they are per-run `exists` checks.
 */
class QueryPlan {
  readonly joins: RawBuilder<unknown>[] = [];
  readonly conditions: RawBuilder<unknown>[] = [];
  readonly orderings: RawBuilder<unknown>[] = [];
  private readonly metricJoins = new Map<string, string>();

  constructor(private readonly joinMetricFilters: boolean) {}

  where(condition: RawBuilder<unknown>): void {
    this.conditions.push(condition);
  }

  filter(c: Comparison): void {
    if (c.type === 'metric' && this.joinMetricFilters) {
      const alias = `f${this.joins.length}`;
      const value = sql.ref(`${alias}.value`);
      this.joins.push(
        sql`join latest_metrics ${sql.raw(alias)} on ${sql.ref(`${alias}.run_id`)} = runs.run_id and ${sql.ref(`${alias}.key`)} = ${c.key} and ${sql.ref(`${alias}.is_nan`)} = 0 and ${compare(value, c)}`,
      );
      if (!this.metricJoins.has(c.key)) this.metricJoins.set(c.key, alias);
      return;
    }
    this.where(conditionFor(c));
  }

  /**
   * The sort key a page can seek past, when every row has one: start time alone (no order), or
   * one order by a metric that a filter joined (so no row lacks it).
   */
  seekable(
    orders: OrderBy[],
  ): { kind: PageCursor['kind']; value?: RawBuilder<unknown>; ascending: boolean } | undefined {
    if (orders.length === 0) return { kind: 'time', ascending: false };
    const [order] = orders;
    const joined = order?.type === 'metric' ? this.metricJoins.get(order.key) : undefined;
    if (orders.length !== 1 || !order || !joined) return undefined;
    return { kind: 'value', value: sql.ref(`${joined}.value`), ascending: order.ascending };
  }

  /** Runs without the sorted metric, param or tag come last in either direction, as in MLflow. */
  order(order: OrderBy): void {
    const direction = sql.raw(order.ascending ? 'asc' : 'desc');
    if (order.type === 'attribute') {
      const name = attributeColumn[order.key] ?? 'start_time';
      const column = sql.ref(`runs.${name}`);
      // Only end_time can be null; an `is null` term on the others would stop SQLite from walking
      // the (experiment_id, start_time) index in order, and it would sort every run for one page.
      if (nullableAttributes.has(name)) this.orderings.push(sql`${column} is null`);
      this.orderings.push(sql`${column} ${direction}`);
      return;
    }
    const joined = order.type === 'metric' ? this.metricJoins.get(order.key) : undefined;
    if (joined) {
      this.orderings.push(sql`${sql.ref(`${joined}.value`)} ${direction}`);
      return;
    }
    const alias = `o${this.joins.length}`;
    const table = order.type === 'metric' ? 'latest_metrics' : order.type === 'param' ? 'params' : 'tags';
    const nanGuard = order.type === 'metric' ? sql` and ${sql.ref(`${alias}.is_nan`)} = 0` : sql``;
    this.joins.push(
      sql`left join ${sql.table(table)} ${sql.raw(alias)} on ${sql.ref(`${alias}.run_id`)} = runs.run_id and ${sql.ref(`${alias}.key`)} = ${order.key}${nanGuard}`,
    );
    const value = sql.ref(`${alias}.value`);
    this.orderings.push(sql`${value} is null`, sql`${value} ${direction}`);
  }
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
  if (Array.isArray(c.value)) return sql<boolean>`${column} ${op} (${sql.join(c.value)})`;
  return sql<boolean>`${column} ${op} ${c.value}`;
}
