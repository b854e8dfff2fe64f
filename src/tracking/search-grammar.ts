import type { MloopError } from '../core/errors.js';
import { describeToken, searchError, tokenize, type SearchField, type Token } from './search-tokens.js';

/**
 * MLflow's run-search grammar (`SearchUtils` in mlflow/utils/search_utils.py), parsed into a typed
 * AST that `run-search.ts` turns into SQL. A filter is clauses joined by AND:
 *
 *   metrics.acc > 0.9 and params.model = 'rf' and tags.`team name` IS NOT NULL
 *   attributes.run_id IN ('a1', 'b2') and datasets.digest = "d3" and created >= 1700000000000
 *
 * Keys are bare (`metrics.val.acc` has key `val.acc`) or quoted with backticks or double quotes
 * (`` metrics.`my key` ``). Strings are in single or double quotes; a quote inside is written twice.
 * As in MLflow, an attribute may also be named without a prefix (`status = 'FINISHED'`).
 */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator =
  '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';
export interface Comparison {
  type: EntityType;
  /** For attributes the canonical name (`created` → `start_time`); for datasets `name`, `digest` or `context`. */
  key: string;
  comparator: Comparator;
  /** A number for metrics and numeric attributes, a string list for IN / NOT IN, null for IS (NOT) NULL. */
  value: number | string | string[] | null;
}
export interface OrderBy {
  type: 'metric' | 'param' | 'tag' | 'attribute';
  key: string;
  ascending: boolean;
}

// Maps, not object literals, so `constructor` or `__proto__` in a filter cannot reach Object.prototype.
const prefixes = new Map<string, EntityType>([
  ['metric', 'metric'],
  ['metrics', 'metric'],
  ['param', 'param'],
  ['params', 'param'],
  ['parameter', 'param'],
  ['parameters', 'param'],
  ['tag', 'tag'],
  ['tags', 'tag'],
  ['attribute', 'attribute'],
  ['attributes', 'attribute'],
  ['attr', 'attribute'],
  ['run', 'attribute'],
  ['dataset', 'dataset'],
  ['datasets', 'dataset'],
]);

const attributeNames = new Map<string, string>([
  ['run_id', 'run_id'],
  ['run_name', 'run_name'],
  ['run name', 'run_name'],
  ['Run name', 'run_name'],
  ['Run Name', 'run_name'],
  ['status', 'status'],
  ['user_id', 'user_id'],
  ['artifact_uri', 'artifact_uri'],
  ['start_time', 'start_time'],
  ['created', 'start_time'],
  ['Created', 'start_time'],
  ['end_time', 'end_time'],
  ['lifecycle_stage', 'lifecycle_stage'],
]);

const datasetKeys = new Set(['name', 'digest', 'context']);
const numericComparators: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const stringComparators: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const listComparators: readonly Comparator[] = [...stringComparators, 'IN', 'NOT IN'];
const nullableComparators: readonly Comparator[] = [...stringComparators, 'IS NULL', 'IS NOT NULL'];

/** Which comparators a key accepts, and whether its value is a number. */
function rulesFor(type: EntityType, key: string): { comparators: readonly Comparator[]; numeric: boolean } {
  if (type === 'metric') return { comparators: numericComparators, numeric: true };
  if (type === 'param' || type === 'tag') return { comparators: nullableComparators, numeric: false };
  if (type === 'dataset') return { comparators: listComparators, numeric: false };
  if (key === 'start_time' || key === 'end_time') return { comparators: numericComparators, numeric: true };
  return { comparators: key === 'run_id' ? listComparators : stringComparators, numeric: false };
}

/** A cursor over the tokens of one search string, which knows how to report errors in it. */
class Cursor {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    readonly field: SearchField,
    private readonly length: number,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }
  next(): Token | undefined {
    const token = this.tokens[this.index];
    this.index += 1;
    return token;
  }
  /** Consumes the next token if it is the given keyword, in any case. */
  keyword(word: string): boolean {
    if (!isKeyword(this.peek(), word)) return false;
    this.index += 1;
    return true;
  }
  fail(token: Token | undefined, message: string): MloopError {
    return searchError(this.field, token?.start ?? this.length, message);
  }
  expected(what: string, token: Token | undefined): MloopError {
    return this.fail(token, `expected ${what}, got ${describeToken(token)}`);
  }
}

const isKeyword = (token: Token | undefined, word: string): boolean =>
  token?.kind === 'word' && token.text.toUpperCase() === word;

interface Identifier {
  type: EntityType;
  key: string;
  /** The identifier as written, for error messages. */
  text: string;
}

/** Reads `prefix.key`, `` prefix.`quoted key` ``, or a bare attribute name. */
function readIdentifier(cursor: Cursor, after: string): Identifier {
  const token = cursor.next();
  const what = `an identifier such as metrics.acc${after}`;
  if (token === undefined || token.quote === "'") throw cursor.expected(what, token);
  if (token.kind === 'punctuation' && (token.text === '(' || token.text === ')')) {
    throw cursor.fail(token, 'parentheses are not supported; join clauses with AND');
  }
  if (token.kind === 'string') return resolve(cursor, token, undefined, token.value, token.text);
  if (token.kind !== 'word') throw cursor.expected(what, token);
  const dot = token.text.indexOf('.');
  if (dot < 0) return resolve(cursor, token, undefined, token.text, token.text);
  const prefix = token.text.slice(0, dot);
  const quoted = cursor.peek();
  if (
    dot === token.text.length - 1 &&
    quoted?.kind === 'string' &&
    quoted.quote !== "'" &&
    quoted.start === token.end
  ) {
    cursor.next();
    return resolve(cursor, token, prefix, quoted.value, token.text + quoted.text);
  }
  return resolve(cursor, token, prefix, token.text.slice(dot + 1), token.text);
}

function resolve(
  cursor: Cursor,
  at: Token,
  prefix: string | undefined,
  key: string,
  text: string,
): Identifier {
  const type = prefix === undefined ? 'attribute' : prefixes.get(prefix);
  if (type === undefined || (prefix === undefined && !attributeNames.has(key))) {
    throw cursor.fail(
      at,
      `unknown identifier ${JSON.stringify(text)}; expected metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<field>`,
    );
  }
  if (key === '') throw cursor.fail(at, `missing key after ${JSON.stringify(text)}`);
  if (type === 'attribute') {
    const name = attributeNames.get(key);
    if (name === undefined) {
      const known = [...new Set(attributeNames.values())].join(', ');
      throw cursor.fail(
        at,
        `unknown attribute ${JSON.stringify(key)} in ${JSON.stringify(text)}; expected one of ${known}`,
      );
    }
    return { type, key: name, text };
  }
  if (type === 'dataset' && !datasetKeys.has(key)) {
    throw cursor.fail(
      at,
      `unknown dataset field ${JSON.stringify(key)} in ${JSON.stringify(text)}; expected name, digest or context`,
    );
  }
  return { type, key, text };
}

function readComparator(cursor: Cursor, identifier: Identifier): Comparator {
  const token = cursor.next();
  const fail = (): MloopError =>
    cursor.expected(`a comparator after ${JSON.stringify(identifier.text)}`, token);
  if (token?.kind === 'operator') {
    const op = numericComparators.find((c) => c === token.text);
    if (op === undefined) throw fail();
    return op;
  }
  if (token?.kind !== 'word') throw fail();
  const word = token.text.toUpperCase();
  if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return word;
  if (word === 'NOT') {
    if (!cursor.keyword('IN')) throw cursor.expected('IN after NOT', cursor.peek());
    return 'NOT IN';
  }
  if (word === 'IS') {
    const negated = cursor.keyword('NOT');
    if (!cursor.keyword('NULL'))
      throw cursor.expected(negated ? 'NULL after IS NOT' : 'NULL or NOT NULL after IS', cursor.peek());
    return negated ? 'IS NOT NULL' : 'IS NULL';
  }
  throw fail();
}

function readValue(
  cursor: Cursor,
  identifier: Identifier,
  comparator: Comparator,
  numeric: boolean,
): Comparison['value'] {
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return null;
  if (comparator === 'IN' || comparator === 'NOT IN') return readList(cursor, comparator);
  const token = cursor.next();
  const subject = `${identifier.type} ${JSON.stringify(identifier.key)}`;
  if (numeric) {
    if (token?.kind !== 'number') throw cursor.expected(`a number for ${subject}`, token);
    const value = Number(token.text);
    if (!Number.isFinite(value)) throw cursor.fail(token, `number ${describeToken(token)} is out of range`);
    return value;
  }
  if (token?.kind !== 'string' || token.quote === '`') {
    throw cursor.expected(`a string in single or double quotes for ${subject}`, token);
  }
  return token.value;
}

function readList(cursor: Cursor, comparator: Comparator): string[] {
  const open = cursor.next();
  if (open?.text !== '(' || open.kind !== 'punctuation') {
    throw cursor.expected(`a parenthesized list of quoted strings after ${comparator}`, open);
  }
  const values: string[] = [];
  for (;;) {
    const item = cursor.next();
    if (item?.kind !== 'string' || item.quote === '`')
      throw cursor.expected('a string in single or double quotes', item);
    values.push(item.value);
    const separator = cursor.next();
    if (separator?.kind === 'punctuation' && separator.text === ')') return values;
    if (separator?.kind !== 'punctuation' || separator.text !== ',')
      throw cursor.expected('"," or ")"', separator);
  }
}

/**
 * Parses an MLflow run-search filter into its clauses. An empty or blank filter matches every run
 * and gives `[]`. Throws an INVALID_PARAMETER_VALUE MloopError (field `filter`) naming the
 * offending token and its position for anything else the grammar does not allow.
 */
export function parseFilter(text: string | undefined): Comparison[] {
  if (text === undefined) return [];
  const cursor = new Cursor(tokenize(text, 'filter'), 'filter', text.length);
  const comparisons: Comparison[] = [];
  if (cursor.peek() === undefined) return comparisons;
  let after = '';
  for (;;) {
    const identifier = readIdentifier(cursor, after);
    const at = cursor.peek();
    const comparator = readComparator(cursor, identifier);
    const { comparators, numeric } = rulesFor(identifier.type, identifier.key);
    if (!comparators.includes(comparator)) {
      throw cursor.fail(
        at,
        `comparator ${comparator} is not allowed for ${identifier.type} ${JSON.stringify(identifier.key)}; use one of ${comparators.join(', ')}`,
      );
    }
    const value = readValue(cursor, identifier, comparator, numeric);
    comparisons.push({ type: identifier.type, key: identifier.key, comparator, value });
    const joiner = cursor.next();
    if (joiner === undefined) return comparisons;
    if (joiner.text === '(' || joiner.text === ')')
      throw cursor.fail(joiner, 'parentheses are not supported; join clauses with AND');
    if (isKeyword(joiner, 'OR')) throw cursor.fail(joiner, 'OR is not supported; join clauses with AND');
    if (!isKeyword(joiner, 'AND')) throw cursor.expected('AND or the end of the filter', joiner);
    after = ` after ${JSON.stringify(joiner.text)}`;
  }
}

/**
 * Parses one order_by clause: an identifier (`metrics.acc`, `` params.`learning rate` ``,
 * `attributes.start_time`, or a bare attribute such as `start_time`) and an optional ASC or DESC,
 * ascending by default. Datasets cannot be ordered by.
 */
export function parseOrderBy(text: string): OrderBy {
  const cursor = new Cursor(tokenize(text, 'order_by'), 'order_by', text.length);
  const first = cursor.peek();
  const identifier = readIdentifier(cursor, '');
  if (identifier.type === 'dataset')
    throw cursor.fail(first, `cannot order by ${JSON.stringify(identifier.text)}`);
  const ascending = !cursor.keyword('DESC');
  if (ascending) cursor.keyword('ASC');
  const rest = cursor.next();
  if (rest !== undefined)
    throw cursor.expected(`ASC, DESC or the end after ${JSON.stringify(identifier.text)}`, rest);
  return { type: identifier.type, key: identifier.key, ascending };
}
