import { sql, type Kysely } from 'kysely';
import {
  compareColumn,
  keyedCondition,
  parseEntityFilter,
  parseEntityOrderBy,
  type FilterSpec,
} from '../tracking/entity-filter.js';
import { checkMaxResults } from '../tracking/limits.js';
import { decodePageToken, encodePageToken } from '../tracking/page-token.js';
import type { Page } from '../tracking/types.js';
import { loadVersions, type NamedVersionRow } from './registry-loader.js';
import type { RegistryTables } from './tables.js';
import type { ModelVersion } from './types.js';

export interface SearchModelVersionsInput {
  /** `name = '…'`, `version_number > 2`, `run_id IN (…)`, `source_path`, `model_id`, `tags.K = '…'`. */
  filter?: string | undefined;
  /** e.g. `['version_number DESC']`, `['creation_timestamp ASC']`. */
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

const filterSpec: FilterSpec = {
  entity: 'model versions',
  attributes: new Map([
    ['name', { name: 'registered_models.name', numeric: false }],
    ['version_number', { name: 'model_versions.version', numeric: true }],
    ['version', { name: 'model_versions.version', numeric: true }],
    ['run_id', { name: 'model_versions.run_id', numeric: false }],
    ['source_path', { name: 'model_versions.source', numeric: false }],
    ['source', { name: 'model_versions.source', numeric: false }],
    ['model_id', { name: 'model_versions.logged_model_id', numeric: false }],
    ['status', { name: 'model_versions.status', numeric: false }],
    ['current_stage', { name: 'model_versions.stage', numeric: false }],
  ]),
  keyed: ['tag'],
};

const orderColumns = new Map([
  ['name', 'registered_models.name'],
  ['version_number', 'model_versions.version'],
  ['creation_timestamp', 'model_versions.creation_time'],
  ['timestamp', 'model_versions.last_updated_time'],
  ['last_updated_timestamp', 'model_versions.last_updated_time'],
]);

/** One page of versions across models, by name then newest version first unless ordered otherwise. */
export async function searchVersions(
  db: Kysely<RegistryTables>,
  input: SearchModelVersionsInput = {},
): Promise<Page<ModelVersion>> {
  const maxResults = checkMaxResults(input.maxResults, 1000);
  const offset = decodePageToken(input.pageToken);
  let query = db
    .selectFrom('model_versions')
    .innerJoin(
      'registered_models',
      'registered_models.registered_model_id',
      'model_versions.registered_model_id',
    )
    .selectAll('model_versions')
    .select('registered_models.name');
  for (const c of parseEntityFilter(input.filter, filterSpec)) {
    query =
      c.kind === 'attribute'
        ? query.where(compareColumn(sql.ref(c.name), c.comparator, c.value))
        : query.where(
            keyedCondition(
              'model_version_tags',
              sql`kv.registered_model_id = model_versions.registered_model_id and kv.version = model_versions.version`,
              c.key,
              c.comparator,
              c.value,
            ),
          );
  }
  for (const text of input.orderBy ?? []) {
    const o = parseEntityOrderBy(text, orderColumns);
    query = query.orderBy(sql.ref(o.column), o.ascending ? 'asc' : 'desc');
  }
  const rows: NamedVersionRow[] = await query
    .orderBy('registered_models.name', 'asc')
    .orderBy('model_versions.version', 'desc')
    .limit(maxResults + 1)
    .offset(offset)
    .execute();
  return {
    items: await loadVersions(db, rows.slice(0, maxResults)),
    nextPageToken: rows.length > maxResults ? encodePageToken(offset + maxResults) : undefined,
  };
}
