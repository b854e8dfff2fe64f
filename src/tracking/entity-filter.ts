import { sql, type RawBuilder } from 'kysely';
import { describeToken, searchError, tokenize, type SearchField, type Token } from './search-tokens.js';

/**
 * The small filter language MLflow offers for objects other than runs (logged models, registered
 * models, model versions): clauses joined by AND, each comparing an attribute, a tag or a param
 * with a quoted string, a number, or a parenthesized list of strings:
 *
 *   name LIKE 'churn-%' and tags.team = "fraud" and run_id IN ('a1', 'b2')
 *
 * Which attributes exist, and which are numeric, is the caller's `FilterSpec`; the clauses come
 * back typed, and `clauseCondition` turns one into SQL with every user value bound.
 */
export type FilterComparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';
export type KeyedKind = 'tag' | 'param' | 'metric' | 'metadata';

export interface FilterSpec<K extends KeyedKind = 'tag' | 'param'> {
  /** What is searched, for messages: "registered models". */
  entity: string;
  /** Attribute name as written (aliases allowed) → canonical name and type. */
  attributes: ReadonlyMap<string, { name: string; numeric: boolean }>;
  /** Which `prefix.key` families are allowed. */
  keyed: readonly K[];
  /** Prefixes naming an attribute besides `attribute.` (traces: `trace.status`). */
  attributePrefixes?: readonly string[];
}

/** `metrics.K`: a number, compared with =, !=, <, <=, > or >= (logged models' metrics). */
export interface MetricClause {
  kind: 'metric';
  key: string;
  comparator: FilterComparator;
  value: number;
}

/** A clause of a filter whose spec allows the `prefix.key` families K. */
export type FilterClause<K extends KeyedKind = 'tag' | 'param'> =
  | { kind: 'attribute'; name: string; comparator: FilterComparator; value: string | number | string[] }
  | { kind: Exclude<K, 'metric'>; key: string; comparator: FilterComparator; value: string | string[] }
  | ('metric' extends K ? MetricClause : never);

const keyedPrefixes = new Map<string, KeyedKind>([
  ['tag', 'tag'],
  ['tags', 'tag'],
  ['param', 'param'],
  ['params', 'param'],
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['metadata', 'metadata'],
  ['request_metadata', 'metadata'],
]);
const numericComparators: readonly FilterComparator[] = ['=', '!=', '>', '>=', '<', '<='];

/** Parses a filter; blank means "everything". Errors are INVALID_PARAMETER_VALUE on field `filter`. */
export function parseEntityFilter<K extends KeyedKind = 'tag' | 'param'>(
  text: string | undefined,
  spec: FilterSpec<K>,
): FilterClause<K>[] {
  if (text === undefined || text.trim() === '') return [];
  const tokens = tokenize(text, 'filter');
  const fail = (token: Token | undefined, message: string) =>
    searchError('filter', token?.start ?? text.length, message);
  const clauses: FilterClause<K>[] = [];
  let i = 0;
  for (;;) {
    const target = readTarget(tokens, i, spec, fail);
    i = target.next;
    const opToken = tokens[i];
    const comparator = readComparator(tokens, i);
    if (!comparator)
      throw fail(opToken, `expected a comparator after ${target.text}, got ${describeToken(opToken)}`);
    i = comparator.next;
    const numeric = target.clause.kind === 'metric' || (target.clause.kind === 'attribute' && target.numeric);
    if (numeric && !numericComparators.includes(comparator.op)) {
      throw fail(opToken, `${target.text} is a number: compare it with ${numericComparators.join(', ')}`);
    }
    if (!numeric && ['>', '>=', '<', '<='].includes(comparator.op)) {
      throw fail(opToken, `${target.text} is a string: compare it with =, !=, LIKE, ILIKE, IN or NOT IN`);
    }
    const value = readValue(tokens, i, numeric, comparator.op === 'IN' || comparator.op === 'NOT IN', fail);
    i = value.next;
    clauses.push({ ...target.clause, comparator: comparator.op, value: value.value } as FilterClause<K>);
    const joiner = tokens[i];
    if (joiner === undefined) return clauses;
    if (joiner.kind !== 'word' || joiner.text.toUpperCase() !== 'AND') {
      throw fail(joiner, `expected AND or the end of the filter, got ${describeToken(joiner)}`);
    }
    i += 1;
  }
}

type Fail = (token: Token | undefined, message: string) => Error;

function readTarget(tokens: Token[], i: number, spec: FilterSpec<KeyedKind>, fail: Fail) {
  const token = tokens[i];
  const known = () =>
    [
      ...new Set([...spec.attributes.values()].map((a) => a.name)),
      ...spec.keyed.map((k) => `${k}s.<key>`),
    ].join(', ');
  if (token?.kind !== 'word' && !(token?.kind === 'string' && token.quote !== "'")) {
    throw fail(token, `expected a field of ${spec.entity} (${known()}), got ${describeToken(token)}`);
  }
  const dot = token.kind === 'word' ? token.text.indexOf('.') : -1;
  const prefix = dot < 0 ? undefined : token.text.slice(0, dot).toLowerCase();
  let key = dot < 0 ? token.value : token.text.slice(dot + 1);
  let next = i + 1;
  const quoted = tokens[next];
  if (dot === token.text.length - 1 && quoted?.kind === 'string' && quoted.start === token.end) {
    key = quoted.value;
    next += 1;
  }
  const text = JSON.stringify(
    tokens
      .slice(i, next)
      .map((t) => t.text)
      .join(''),
  );
  const keyed = prefix === undefined ? undefined : keyedPrefixes.get(prefix);
  if (keyed && spec.keyed.includes(keyed)) {
    if (key === '') throw fail(token, `missing key after ${text}`);
    return { clause: { kind: keyed, key }, numeric: false, next, text };
  }
  const attributePrefix =
    prefix === 'attribute' ||
    prefix === 'attributes' ||
    (prefix !== undefined && spec.attributePrefixes?.includes(prefix));
  const attributeName = attributePrefix ? key : dot < 0 ? key : undefined;
  const attribute = attributeName === undefined ? undefined : spec.attributes.get(attributeName);
  if (!attribute) throw fail(token, `unknown field ${text} for ${spec.entity}; expected one of ${known()}`);
  return {
    clause: { kind: 'attribute' as const, name: attribute.name },
    numeric: attribute.numeric,
    next,
    text,
  };
}

function readComparator(tokens: Token[], i: number): { op: FilterComparator; next: number } | undefined {
  const token = tokens[i];
  if (token?.kind === 'operator') {
    const op = numericComparators.find((c) => c === token.text);
    return op ? { op, next: i + 1 } : undefined;
  }
  if (token?.kind !== 'word') return undefined;
  const word = token.text.toUpperCase();
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return { op: word, next: i + 1 };
  const after = tokens[i + 1];
  if (word === 'NOT' && after?.kind === 'word' && after.text.toUpperCase() === 'IN') {
    return { op: 'NOT IN', next: i + 2 };
  }
  return undefined;
}

function readValue(tokens: Token[], i: number, numeric: boolean, list: boolean, fail: Fail) {
  const token = tokens[i];
  if (list) {
    if (token?.kind !== 'punctuation' || token.text !== '(')
      throw fail(token, `expected a parenthesized list of quoted strings, got ${describeToken(token)}`);
    const values: string[] = [];
    for (let j = i + 1; ; j += 2) {
      const item = tokens[j];
      if (item?.kind !== 'string' || item.quote === '`')
        throw fail(item, `expected a quoted string, got ${describeToken(item)}`);
      values.push(item.value);
      const separator = tokens[j + 1];
      if (separator?.text === ')' && separator.kind === 'punctuation') return { value: values, next: j + 2 };
      if (separator?.text !== ',' || separator.kind !== 'punctuation')
        throw fail(separator, `expected "," or ")", got ${describeToken(separator)}`);
    }
  }
  if (numeric) {
    // MLflow clients quote numbers at times (`version_number = '3'`); accept both.
    const raw =
      token?.kind === 'number' || (token?.kind === 'string' && token.quote !== '`') ? token.value : '';
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value))
      throw fail(token, `expected a number, got ${describeToken(token)}`);
    return { value, next: i + 1 };
  }
  if (token?.kind !== 'string' || token.quote === '`')
    throw fail(token, `expected a string in single or double quotes, got ${describeToken(token)}`);
  return { value: token.value, next: i + 1 };
}

const sqlOperator: Record<FilterComparator, string> = {
  '=': '=',
  '!=': '<>',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  LIKE: 'like',
  ILIKE: 'like',
  IN: 'in',
  'NOT IN': 'not in',
};

/** `column <op> value` with the value bound; ILIKE is `lower() like lower()` on both dialects. */
export function compareColumn(
  column: RawBuilder<unknown>,
  comparator: FilterComparator,
  value: string | number | string[],
): RawBuilder<boolean> {
  if (Array.isArray(value)) {
    if (value.length === 0) return sql<boolean>`${sql.raw(comparator === 'IN' ? '1 = 0' : '1 = 1')}`;
    return sql<boolean>`${column} ${sql.raw(sqlOperator[comparator])} (${sql.join(value)})`;
  }
  if (comparator === 'ILIKE') return sql<boolean>`lower(${column}) like lower(${value})`;
  return sql<boolean>`${column} ${sql.raw(sqlOperator[comparator])} ${value}`;
}

/**
 * `prefix.key` clause over a key/value table, as a subquery joined by `join`. A negated clause
 * (`!=`, `NOT IN`) also matches objects without the key, as MLflow's registry does: its clients
 * hide prompts with `tags.\`mlflow.prompt.is_prompt\` != 'true'`, which untagged models must pass.
 * MLflow's experiment search differs: there `tags.k != 'v'` needs the tag (`missingKeyMatches` false).
 */
export function keyedCondition(
  table: string,
  join: RawBuilder<unknown>,
  key: string,
  comparator: FilterComparator,
  value: string | string[],
  missingKeyMatches = true,
): RawBuilder<boolean> {
  const kv = sql.ref('kv.value');
  const negated = missingKeyMatches && (comparator === '!=' || comparator === 'NOT IN');
  const positive: FilterComparator = comparator === '!=' ? '=' : comparator === 'NOT IN' ? 'IN' : comparator;
  const match = sql`select 1 from ${sql.table(table)} kv where ${join} and kv.key = ${key} and ${compareColumn(kv, negated ? positive : comparator, value)}`;
  return negated ? sql<boolean>`not exists (${match})` : sql<boolean>`exists (${match})`;
}

/** One `ORDER BY` clause of an entity search: `field [ASC|DESC]`, field from `columns`. */
export function parseEntityOrderBy(
  text: string,
  columns: ReadonlyMap<string, string>,
  field: SearchField = 'order_by',
): { column: string; ascending: boolean } {
  const parts = text.trim().split(/\s+/);
  const [name = '', direction = 'ASC', ...rest] = parts;
  const column = columns.get(name.replace(/^attributes?\./, ''));
  const dir = direction.toUpperCase();
  if (!column || rest.length > 0 || (dir !== 'ASC' && dir !== 'DESC')) {
    throw searchError(
      field,
      0,
      `cannot order by "${text}": use one of ${[...columns.keys()].join(', ')}, then ASC or DESC`,
    );
  }
  return { column, ascending: dir === 'ASC' };
}
