import { sql, type Kysely, type RawBuilder } from 'kysely';
import { invalidParameter } from '../core/errors.js';
import {
  compareColumn,
  keyedCondition,
  parseEntityFilter,
  parseEntityOrderBy,
  type FilterSpec,
} from './entity-filter.js';
import { checkMaxResults } from './limits.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import type { LoggedModelRow, LoggedModelTables } from './tables.js';
import type { LoggedModel, Page } from './types.js';

export interface SearchLoggedModelsInput {
  experimentIds: string[];
  /**
   * `name = '…'`, `source_run_id = '…'`, `status`, `model_type`, timestamps, `tags.K`, `params.K`,
   * and `metrics.K > 0.9` (some point of the metric, on one of `datasets` when given).
   */
  filter?: string | undefined;
  /**
   * Datasets the metric clauses look at; without metric clauses, only models with a metric
   * measured on one of them (any digest when none is given), as MLflow searches.
   */
  datasets?: Array<{ datasetName: string; datasetDigest?: string | undefined }> | undefined;
  /**
   * Attributes, or `metrics.K`: each model's latest value of K (on the dataset named, when one
   * is), models without one last, as MLflow orders them.
   */
  orderBy?: Array<LoggedModelOrder> | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface LoggedModelOrder {
  fieldName: string;
  ascending?: boolean | undefined;
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
}

const filterSpec: FilterSpec<'tag' | 'param' | 'metric'> = {
  entity: 'logged models',
  attributes: new Map([
    ['name', { name: 'name', numeric: false }],
    ['model_id', { name: 'model_id', numeric: false }],
    ['source_run_id', { name: 'source_run_id', numeric: false }],
    ['status', { name: 'status', numeric: false }],
    ['model_type', { name: 'model_type', numeric: false }],
    ['creation_timestamp', { name: 'creation_time', numeric: true }],
    ['creation_time', { name: 'creation_time', numeric: true }],
    ['last_updated_timestamp', { name: 'last_updated_time', numeric: true }],
  ]),
  keyed: ['tag', 'param', 'metric'],
};

const orderColumns = new Map([
  ['name', 'name'],
  ['model_id', 'model_id'],
  ['creation_timestamp', 'creation_time'],
  ['creation_time', 'creation_time'],
  ['last_updated_timestamp', 'last_updated_time'],
]);

/** One page of the active logged models of some experiments, newest first by default. */
export async function searchLoggedModels(
  db: Kysely<LoggedModelTables>,
  input: SearchLoggedModelsInput,
  load: (rows: LoggedModelRow[]) => Promise<LoggedModel[]>,
): Promise<Page<LoggedModel>> {
  const maxResults = checkMaxResults(input.maxResults, 100);
  const offset = decodePageToken(input.pageToken);
  const clauses = parseEntityFilter(input.filter, filterSpec);
  const orders = (input.orderBy ?? []).map(orderExpression);
  if (input.experimentIds.length === 0) {
    throw invalidParameter('experiment_ids', 'experiment_ids must name at least one experiment');
  }
  let query = db
    .selectFrom('logged_models')
    .selectAll()
    .where('experiment_id', 'in', input.experimentIds)
    .where('lifecycle_stage', '=', 'active');
  const datasets = input.datasets ?? [];
  if (datasets.some((d) => !d.datasetName))
    throw invalidParameter('datasets', '`dataset_name` in the `datasets` clause must be specified.');
  const onDatasets = datasets.map((d) =>
    d.datasetDigest === undefined
      ? sql`m.dataset_name = ${d.datasetName}`
      : sql`(m.dataset_name = ${d.datasetName} and m.dataset_digest = ${d.datasetDigest})`,
  );
  const onDataset = onDatasets.length > 0 ? sql`and (${sql.join(onDatasets, sql` or `)})` : sql``;
  const hasMetricClause = clauses.some((c) => c.kind === 'metric');
  if (onDatasets.length > 0 && !hasMetricClause) {
    query = query.where(
      sql<boolean>`exists (select 1 from logged_model_metrics m where m.model_id = logged_models.model_id ${onDataset})`,
    );
  }
  for (const c of clauses) {
    if (c.kind === 'metric') {
      const value = compareColumn(sql.ref('m.value'), c.comparator, c.value);
      query = query.where(
        sql<boolean>`exists (select 1 from logged_model_metrics m where m.model_id = logged_models.model_id and m.key = ${c.key} and m.is_nan = 0 and ${value} ${onDataset})`,
      );
    } else if (c.kind === 'attribute') {
      query = query.where(compareColumn(sql.ref(`logged_models.${c.name}`), c.comparator, c.value));
    } else {
      const table = c.kind === 'tag' ? 'logged_model_tags' : 'logged_model_params';
      const join = sql`kv.model_id = logged_models.model_id`;
      query = query.where(keyedCondition(table, join, c.key, c.comparator, c.value));
    }
  }
  for (const o of orders) {
    // Nulls last either way; `nulls last` is not written the same in every dialect.
    query = query
      .orderBy(sql`case when ${o.value} is null then 1 else 0 end`, 'asc')
      .orderBy(o.value, o.ascending ? 'asc' : 'desc');
  }
  const rows = await query
    .orderBy('creation_time', 'desc')
    .orderBy('model_id', 'asc')
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  return {
    items: await load(rows.slice(0, maxResults)),
    nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
  };
}

/** What one `order_by` entry sorts by: a column, or a model's latest value of a metric. */
function orderExpression(order: LoggedModelOrder): { value: RawBuilder<unknown>; ascending: boolean } {
  const ascending = order.ascending ?? true;
  const metric = /^metrics\.(.+)$/.exec(order.fieldName);
  if (!metric) {
    if (/^(params|tags)\./.test(order.fieldName))
      throw invalidParameter(
        'order_by',
        `Invalid order by field name: ${order.fieldName}. Only metrics are supported.`,
      );
    const { column } = parseEntityOrderBy(order.fieldName, orderColumns);
    return { value: sql`${sql.ref(`logged_models.${column}`)}`, ascending };
  }
  const onDataset = [
    ...(order.datasetName ? [sql`and m.dataset_name = ${order.datasetName}`] : []),
    ...(order.datasetDigest ? [sql`and m.dataset_digest = ${order.datasetDigest}`] : []),
  ];
  // The latest point (by time, then step) of the metric; NaN sorts as a model without the metric.
  const value = sql`(select case when m.is_nan = 1 then null else m.value end from logged_model_metrics m
    where m.model_id = logged_models.model_id and m.key = ${metric[1]} ${sql.join(onDataset, sql` `)}
    order by m.timestamp desc, m.step desc, m.run_id asc limit 1)`;
  return { value, ascending };
}
