/**
 * The runs of the scale benchmark, defined from their index alone, once in SQL (to load millions of
 * rows inside PostgreSQL) and once in TypeScript (to know what every search must answer). Both
 * systems get the same names, start times, params, metrics and tags.
 */

export const BASE_TIME = Date.UTC(2025, 0, 1);
export const METRICS = 10;
export const PARAMS = 10;
/** Distinct values of each param p0..p9: p0 = 'v-7' matches 2% of the runs. */
export const PARAM_CARDINALITY = [50, 4, 8, 16, 3, 10, 100, 1000, 7, 13];
/** Distinct `sweep` tag values: LIKE 'lr-sweep-4%' matches 4 and 40..49, 11% of the runs. */
const SWEEPS = 100;
const TEAMS = 7;
const TWO_POW_32 = 2 ** 32;
const SALT = 12345;

/**
 * Metric `k` of run `index`, in [0, 1): Knuth's multiplicative hash is a bijection modulo 2^32, so no
 * two runs tie on a key (a tie would leave their order to each server). Exact in a double up to
 * ~3.4 million runs.
 */
export function metricValue(index: number, k: number): number {
  return ((index * 2654435761 + k * SALT) % TWO_POW_32) / TWO_POW_32;
}

export function runName(index: number): string {
  return `run-${String(index).padStart(7, '0')}`;
}

export function paramValue(index: number, k: number): string {
  return `v-${index % (PARAM_CARDINALITY[k] as number)}`;
}

export function sweepTag(index: number): string {
  return `lr-sweep-${index % SWEEPS}`;
}

/** SQL expressions of the same values, over a bigint column `i` (and `k` for metrics and params). */
export const sqlOf = {
  runId: (prefix: string) => `md5('${prefix}' || i)`,
  name: `'run-' || lpad(i::text, 7, '0')`,
  startTime: `${BASE_TIME}::bigint + i * 1000`,
  metricValue: `((i * 2654435761 + k * ${SALT}) % ${TWO_POW_32})::float8 / ${TWO_POW_32}`,
  paramValue: `'v-' || (i % (array[${PARAM_CARDINALITY.join(',')}])[k + 1])`,
  tags: [
    { key: `'team'`, value: `'team-' || (i % ${TEAMS})` },
    { key: `'sweep'`, value: `'lr-sweep-' || (i % ${SWEEPS})` },
  ],
};

/** One of the timed searches: a filter, an order, and the TypeScript that answers it. */
export interface SearchDefinition {
  name: string;
  filter: string;
  orderBy: string[];
  matches(index: number): boolean;
  /** Sort key, descending; by default start time (the index). */
  sortKey?(index: number): number;
}

export const SEARCHES: SearchDefinition[] = [
  {
    name: 'metric-order',
    filter: 'metrics.m0 > 0.9',
    orderBy: ['metrics.m1 DESC'],
    matches: (i) => metricValue(i, 0) > 0.9,
    sortKey: (i) => metricValue(i, 1),
  },
  {
    name: 'same-metric',
    filter: 'metrics.m0 > 0.9',
    orderBy: ['metrics.m0 DESC'],
    matches: (i) => metricValue(i, 0) > 0.9,
    sortKey: (i) => metricValue(i, 0),
  },
  {
    name: 'param-equals',
    filter: "params.p0 = 'v-7'",
    orderBy: [],
    matches: (i) => paramValue(i, 0) === 'v-7',
  },
  {
    name: 'tag-like',
    filter: "tags.sweep LIKE 'lr-sweep-4%'",
    orderBy: [],
    matches: (i) => sweepTag(i).startsWith('lr-sweep-4'),
  },
];

/** What a correct server answers: the number of matches and the names on the asked pages. */
export function expectedPages(
  search: SearchDefinition,
  runs: number,
  pageSize: number,
  pages: number[],
): { matches: number; pages: Map<number, string[]> } {
  const matching: number[] = [];
  for (let i = 0; i < runs; i++) if (search.matches(i)) matching.push(i);
  const key = search.sortKey ?? ((i: number) => i);
  const keys = new Map(matching.map((i) => [i, key(i)]));
  matching.sort((a, b) => (keys.get(b) as number) - (keys.get(a) as number));
  const result = new Map<number, string[]>();
  for (const page of pages) {
    result.set(page, matching.slice((page - 1) * pageSize, page * pageSize).map(runName));
  }
  return { matches: matching.length, pages: result };
}
