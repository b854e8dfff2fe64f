import { describe, it, expect } from 'vitest';
import { MloopError } from '../core/errors.js';
import { parseFilter, parseOrderBy, type Comparison } from './search-grammar.js';

const clause = (
  type: Comparison['type'],
  key: string,
  comparator: Comparison['comparator'],
  value: Comparison['value'],
): Comparison => ({ type, key, comparator, value });

/** The MloopError a call throws, so a test can check its code, field and message together. */
function errorOf(call: () => unknown): MloopError {
  try {
    call();
  } catch (error) {
    if (error instanceof MloopError) return error;
    throw new Error(`expected a MloopError, got ${String(error)}`);
  }
  throw new Error('expected the call to throw');
}

const filterError = (text: string): string => {
  const error = errorOf(() => parseFilter(text));
  expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field: 'filter', status: 400 });
  return error.message;
};

const orderByError = (text: string): string => {
  const error = errorOf(() => parseOrderBy(text));
  expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field: 'order_by' });
  return error.message;
};

describe('parseFilter: clauses', () => {
  it('gives no clauses for an undefined, empty or blank filter', () => {
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter('')).toEqual([]);
    expect(parseFilter('  \t\n')).toEqual([]);
  });

  it('joins clauses with AND in any case', () => {
    expect(
      parseFilter("metrics.acc > 0.9 and params.model = 'rf' AND tags.team = 'x' aNd metrics.loss < 1"),
    ).toEqual([
      clause('metric', 'acc', '>', 0.9),
      clause('param', 'model', '=', 'rf'),
      clause('tag', 'team', '=', 'x'),
      clause('metric', 'loss', '<', 1),
    ]);
  });

  it('rejects OR and names its position', () => {
    expect(filterError('metrics.a > 1 OR metrics.b < 2')).toBe(
      'Invalid filter at position 14: OR is not supported; join clauses with AND',
    );
  });

  it('rejects parentheses around or between clauses', () => {
    expect(filterError('(metrics.a > 1)')).toMatch(/position 0: parentheses are not supported/);
    expect(filterError('metrics.a > 1 AND (metrics.b < 2)')).toMatch(
      /position 18: parentheses are not supported/,
    );
    expect(filterError('metrics.a > 1)')).toMatch(/position 13: parentheses are not supported/);
  });

  it('rejects two clauses without AND between them', () => {
    expect(filterError('metrics.a > 1 metrics.b < 2')).toMatch(
      /position 14: expected AND or the end of the filter, got "metrics.b"/,
    );
  });

  it('rejects a trailing or leading AND', () => {
    expect(filterError('metrics.a > 1 and')).toMatch(
      /position 17: expected an identifier .* after "and", got end of input/,
    );
    expect(filterError("AND params.a = 'x'")).toMatch(/position 0: unknown identifier "AND"/);
  });
});

describe('parseFilter: identifiers', () => {
  it('accepts every prefix spelling for each entity', () => {
    const parsed = parseFilter(
      "metrics.a = 1 and metric.b = 2 and params.c = 'x' and param.d = 'x' and tags.e = 'x' and tag.f = 'x' and " +
        "attributes.status = 'x' and attribute.status = 'x' and attr.status = 'x' and run.status = 'x' and " +
        "datasets.name = 'x' and dataset.digest = 'x'",
    );
    expect(parsed.map((c) => `${c.type}:${c.key}`)).toEqual([
      'metric:a',
      'metric:b',
      'param:c',
      'param:d',
      'tag:e',
      'tag:f',
      'attribute:status',
      'attribute:status',
      'attribute:status',
      'attribute:status',
      'dataset:name',
      'dataset:digest',
    ]);
  });

  it('keeps the dots of a bare key after the prefix', () => {
    expect(parseFilter('metrics.val.acc >= 0.5')).toEqual([clause('metric', 'val.acc', '>=', 0.5)]);
  });

  it('reads bare keys with digits, dashes, slashes and colons', () => {
    expect(parseFilter('metrics.f1-score/train:v2_x > 0')).toEqual([
      clause('metric', 'f1-score/train:v2_x', '>', 0),
    ]);
  });

  it('reads a backtick-quoted metric key with spaces', () => {
    expect(parseFilter('metrics.`my metric` < 3')).toEqual([clause('metric', 'my metric', '<', 3)]);
  });

  it('reads a double-quoted param key with symbols', () => {
    expect(parseFilter(`params."lr (x=1)" = '0.1'`)).toEqual([clause('param', 'lr (x=1)', '=', '0.1')]);
  });

  it('reads a doubled quote inside a quoted key as one quote', () => {
    expect(parseFilter("tags.`a``b` = 'x'")).toEqual([clause('tag', 'a`b', '=', 'x')]);
  });

  it('rejects a prefix with no key', () => {
    expect(filterError('metrics. > 1')).toMatch(/position 0: missing key after "metrics."/);
    expect(filterError('metrics.`` > 1')).toMatch(/position 0: missing key after "metrics.``"/);
  });

  it('rejects an unknown prefix and names the identifier', () => {
    expect(filterError("foo.bar = 'x'")).toMatch(
      /^Invalid filter at position 0: unknown identifier "foo.bar"/,
    );
    expect(filterError('metrics.a = 1 and Metrics.b = 2')).toMatch(
      /position 18: unknown identifier "Metrics.b"/,
    );
  });

  it('rejects names of Object.prototype members as prefixes and attributes', () => {
    expect(filterError('constructor.x = 1')).toMatch(/position 0: unknown identifier "constructor.x"/);
    expect(filterError("__proto__ = 'x'")).toMatch(/position 0: unknown identifier "__proto__"/);
    expect(filterError("attributes.toString = 'x'")).toMatch(/unknown attribute "toString"/);
    expect(orderByError('hasOwnProperty')).toMatch(/unknown identifier "hasOwnProperty"/);
  });

  it('rejects a bare word that is not an attribute', () => {
    expect(filterError('acc > 1')).toMatch(/position 0: unknown identifier "acc"/);
  });

  it('rejects a single-quoted string where an identifier belongs', () => {
    expect(filterError("'metrics.a' > 1")).toMatch(
      /position 0: expected an identifier such as metrics.acc, got "'metrics.a'"/,
    );
  });

  it('rejects a number where an identifier belongs', () => {
    expect(filterError('1 = 1')).toMatch(/position 0: expected an identifier such as metrics.acc, got "1"/);
  });
});

describe('parseFilter: attributes', () => {
  it('reads every attribute under its canonical name', () => {
    const keys = ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage'];
    for (const key of keys) {
      expect(parseFilter(`attributes.${key} = 'v'`)).toEqual([clause('attribute', key, '=', 'v')]);
    }
    expect(parseFilter('attributes.start_time > 5 and attributes.end_time <= 9')).toEqual([
      clause('attribute', 'start_time', '>', 5),
      clause('attribute', 'end_time', '<=', 9),
    ]);
  });

  it('maps created and Created to start_time', () => {
    expect(parseFilter('attributes.created > 1 and Created < 2 and created = 3')).toEqual([
      clause('attribute', 'start_time', '>', 1),
      clause('attribute', 'start_time', '<', 2),
      clause('attribute', 'start_time', '=', 3),
    ]);
  });

  it('maps a quoted "run name" to run_name', () => {
    expect(parseFilter("attributes.`run name` = 'a' and `Run Name` LIKE 'b%' and run_name != 'c'")).toEqual([
      clause('attribute', 'run_name', '=', 'a'),
      clause('attribute', 'run_name', 'LIKE', 'b%'),
      clause('attribute', 'run_name', '!=', 'c'),
    ]);
  });

  it('accepts a bare attribute name without a prefix, as MLflow does', () => {
    expect(parseFilter("status = 'FINISHED'")).toEqual([clause('attribute', 'status', '=', 'FINISHED')]);
  });

  it('rejects an unknown attribute and lists the known ones', () => {
    expect(filterError("attributes.colour = 'red'")).toMatch(
      /position 0: unknown attribute "colour" in "attributes.colour"; expected one of run_id, run_name, status/,
    );
  });

  it('rejects an unknown dataset field', () => {
    expect(filterError("datasets.size = '1'")).toBe(
      'Invalid filter at position 0: unknown dataset field "size" in "datasets.size"; expected name, digest or context',
    );
  });
});

describe('parseFilter: values', () => {
  it('reads integers, floats, negatives and exponents for metrics', () => {
    expect(
      parseFilter(
        'metrics.a = 3 and metrics.b = -0.25 and metrics.c = 1e-3 and metrics.d = 2.5E+2 and metrics.e = .5',
      ),
    ).toEqual([
      clause('metric', 'a', '=', 3),
      clause('metric', 'b', '=', -0.25),
      clause('metric', 'c', '=', 0.001),
      clause('metric', 'd', '=', 250),
      clause('metric', 'e', '=', 0.5),
    ]);
  });

  it('reads a number with no space before the comparator or after it', () => {
    expect(parseFilter('metrics.a>=-1')).toEqual([clause('metric', 'a', '>=', -1)]);
  });

  it('reads strings in single or double quotes', () => {
    expect(parseFilter(`params.a = 'x y' and tags.b = "z"`)).toEqual([
      clause('param', 'a', '=', 'x y'),
      clause('tag', 'b', '=', 'z'),
    ]);
  });

  it('reads a doubled quote inside a string as one quote and keeps backslashes as written', () => {
    expect(parseFilter(`params.a = 'it''s' and params.b = "say ""hi""" and params.c = 'a\\b'`)).toEqual([
      clause('param', 'a', '=', "it's"),
      clause('param', 'b', '=', 'say "hi"'),
      clause('param', 'c', '=', 'a\\b'),
    ]);
  });

  it('reads an empty string', () => {
    expect(parseFilter("tags.note = ''")).toEqual([clause('tag', 'note', '=', '')]);
  });

  it('rejects a string where a metric needs a number', () => {
    expect(filterError("metrics.acc = '0.9'")).toBe(
      `Invalid filter at position 14: expected a number for metric "acc", got "'0.9'"`,
    );
  });

  it('rejects a string where a numeric attribute needs a number', () => {
    expect(filterError("attributes.start_time > '1'")).toMatch(
      /position 24: expected a number for attribute "start_time"/,
    );
  });

  it('rejects a number where a param needs a string', () => {
    expect(filterError('params.lr = 0.1')).toMatch(
      /position 12: expected a string in single or double quotes for param "lr", got "0.1"/,
    );
  });

  it('rejects an unquoted word and a backtick-quoted value', () => {
    expect(filterError('tags.a = b')).toMatch(/position 9: expected a string in single or double quotes/);
    expect(filterError('tags.a = `b`')).toMatch(/position 9: expected a string in single or double quotes/);
  });

  it('rejects a missing value', () => {
    expect(filterError('metrics.a >')).toMatch(
      /position 11: expected a number for metric "a", got end of input/,
    );
  });

  it('rejects malformed numbers and names them', () => {
    expect(filterError('metrics.a = 1.2.3')).toMatch(/position 12: malformed number "1.2.3"/);
    expect(filterError('metrics.a = 1e')).toMatch(/position 12: malformed number "1e"/);
    expect(filterError('metrics.a = 2abc')).toMatch(/position 12: malformed number "2abc"/);
  });

  it('rejects a number too large to represent', () => {
    expect(filterError('metrics.a = 1e999')).toMatch(/position 12: number "1e999" is out of range/);
  });

  it('rejects an unterminated string at the quote that opens it', () => {
    expect(filterError("params.a = 'x")).toMatch(/position 11: unterminated string/);
    expect(filterError('metrics.`a > 1')).toMatch(/position 8: unterminated string/);
  });
});

describe('parseFilter: comparators', () => {
  it('accepts every numeric comparator for metrics and numeric attributes', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      expect(parseFilter(`metrics.a ${op} 1 and attributes.end_time ${op} 2`)).toEqual([
        clause('metric', 'a', op, 1),
        clause('attribute', 'end_time', op, 2),
      ]);
    }
  });

  it('accepts =, !=, LIKE and ILIKE in any case for params, tags and string attributes', () => {
    expect(
      parseFilter(
        "params.a like 'x%' and tags.b ILike '%Y' and attributes.user_id != 'u' and run_name = 'r'",
      ),
    ).toEqual([
      clause('param', 'a', 'LIKE', 'x%'),
      clause('tag', 'b', 'ILIKE', '%Y'),
      clause('attribute', 'user_id', '!=', 'u'),
      clause('attribute', 'run_name', '=', 'r'),
    ]);
  });

  it('accepts IS NULL and IS NOT NULL for tags and params', () => {
    expect(parseFilter('tags.a IS NULL and params.b is not null')).toEqual([
      clause('tag', 'a', 'IS NULL', null),
      clause('param', 'b', 'IS NOT NULL', null),
    ]);
  });

  it('reads IN and NOT IN lists for run_id and dataset fields', () => {
    expect(
      parseFilter(
        `attributes.run_id IN ('a', "b") and datasets.name not in ('n') and dataset.context in ('train','eval')`,
      ),
    ).toEqual([
      clause('attribute', 'run_id', 'IN', ['a', 'b']),
      clause('dataset', 'name', 'NOT IN', ['n']),
      clause('dataset', 'context', 'IN', ['train', 'eval']),
    ]);
  });

  it('accepts =, !=, LIKE and ILIKE for dataset fields', () => {
    expect(parseFilter("datasets.digest = 'd' and datasets.name ILIKE '%x'")).toEqual([
      clause('dataset', 'digest', '=', 'd'),
      clause('dataset', 'name', 'ILIKE', '%x'),
    ]);
  });

  it('names the offending token when no comparator follows the identifier', () => {
    expect(filterError('metrics.acc ~ 0.9')).toBe(
      'Invalid filter at position 12: expected a comparator after "metrics.acc", got "~"',
    );
    expect(filterError('metrics.acc <> 1')).toMatch(
      /position 12: expected a comparator after "metrics.acc", got "<>"/,
    );
    expect(filterError('metrics.acc == 1')).toMatch(/got "=="/);
    expect(filterError("params.a CONTAINS 'x'")).toMatch(
      /position 9: expected a comparator after "params.a", got "CONTAINS"/,
    );
    expect(filterError('metrics.acc')).toMatch(
      /position 11: expected a comparator after "metrics.acc", got end of input/,
    );
  });

  it('rejects a string comparator on a metric', () => {
    expect(filterError("metrics.acc LIKE '1%'")).toBe(
      'Invalid filter at position 12: comparator LIKE is not allowed for metric "acc"; use one of =, !=, >, >=, <, <=',
    );
  });

  it('rejects an ordering comparator on a param, tag or string attribute', () => {
    expect(filterError("params.a > 'x'")).toMatch(/position 9: comparator > is not allowed for param "a"/);
    expect(filterError("tags.a <= 'x'")).toMatch(/comparator <= is not allowed for tag "a"/);
    expect(filterError("attributes.status < 'x'")).toMatch(
      /comparator < is not allowed for attribute "status"/,
    );
  });

  it('rejects LIKE on a numeric attribute', () => {
    expect(filterError("attributes.start_time LIKE '1%'")).toMatch(
      /comparator LIKE is not allowed for attribute "start_time"/,
    );
  });

  it('rejects IS NULL on metrics, attributes and datasets', () => {
    expect(filterError('metrics.a IS NULL')).toMatch(/comparator IS NULL is not allowed for metric "a"/);
    expect(filterError('attributes.status IS NOT NULL')).toMatch(
      /comparator IS NOT NULL is not allowed for attribute "status"/,
    );
    expect(filterError('datasets.name IS NULL')).toMatch(
      /comparator IS NULL is not allowed for dataset "name"/,
    );
  });

  it('rejects IN on params, tags, metrics and attributes other than run_id', () => {
    expect(filterError("params.a IN ('x')")).toMatch(/comparator IN is not allowed for param "a"/);
    expect(filterError("tags.a NOT IN ('x')")).toMatch(/comparator NOT IN is not allowed for tag "a"/);
    expect(filterError('metrics.a IN (1)')).toMatch(/comparator IN is not allowed for metric "a"/);
    expect(filterError("attributes.status IN ('x')")).toMatch(
      /comparator IN is not allowed for attribute "status"/,
    );
  });

  it('rejects an incomplete IS or NOT', () => {
    expect(filterError('tags.a IS')).toMatch(
      /position 9: expected NULL or NOT NULL after IS, got end of input/,
    );
    expect(filterError("tags.a IS 'x'")).toMatch(/position 10: expected NULL or NOT NULL after IS/);
    expect(filterError('tags.a IS NOT')).toMatch(/expected NULL after IS NOT/);
    expect(filterError("run_id NOT LIKE 'x'")).toMatch(/position 11: expected IN after NOT, got "LIKE"/);
  });

  it('rejects malformed IN lists', () => {
    expect(filterError("run_id IN 'a'")).toMatch(
      /position 10: expected a parenthesized list of quoted strings after IN/,
    );
    expect(filterError('run_id IN ()')).toMatch(
      /position 11: expected a string in single or double quotes, got "\)"/,
    );
    expect(filterError("run_id IN ('a',)")).toMatch(/position 15: expected a string/);
    expect(filterError("run_id IN ('a' 'b')")).toMatch(/position 15: expected "," or "\)", got "'b'"/);
    expect(filterError("run_id IN ('a'")).toMatch(/expected "," or "\)", got end of input/);
    expect(filterError('run_id IN (1, 2)')).toMatch(/position 11: expected a string/);
  });
});

describe('parseOrderBy', () => {
  it('orders by a metric descending', () => {
    expect(parseOrderBy('metrics.acc DESC')).toEqual({ type: 'metric', key: 'acc', ascending: false });
  });

  it('orders by a param ascending, in any case of ASC', () => {
    expect(parseOrderBy('params.lr asc')).toEqual({ type: 'param', key: 'lr', ascending: true });
  });

  it('is ascending by default', () => {
    expect(parseOrderBy('tags.x')).toEqual({ type: 'tag', key: 'x', ascending: true });
    expect(parseOrderBy('attributes.start_time')).toEqual({
      type: 'attribute',
      key: 'start_time',
      ascending: true,
    });
  });

  it('reads a bare attribute name and its aliases', () => {
    expect(parseOrderBy('start_time')).toEqual({ type: 'attribute', key: 'start_time', ascending: true });
    expect(parseOrderBy('created desc')).toEqual({ type: 'attribute', key: 'start_time', ascending: false });
    expect(parseOrderBy('`run name`')).toEqual({ type: 'attribute', key: 'run_name', ascending: true });
  });

  it('reads quoted keys and keys with dots', () => {
    expect(parseOrderBy('metrics.`val loss` DESC')).toEqual({
      type: 'metric',
      key: 'val loss',
      ascending: false,
    });
    expect(parseOrderBy('params."a b"')).toEqual({ type: 'param', key: 'a b', ascending: true });
    expect(parseOrderBy('metrics.val.acc')).toEqual({ type: 'metric', key: 'val.acc', ascending: true });
  });

  it('rejects ordering by a dataset field', () => {
    expect(orderByError('datasets.name')).toBe(
      'Invalid order_by at position 0: cannot order by "datasets.name"',
    );
  });

  it('rejects unknown identifiers and attributes', () => {
    expect(orderByError('acc DESC')).toMatch(/^Invalid order_by at position 0: unknown identifier "acc"/);
    expect(orderByError('attributes.colour')).toMatch(/unknown attribute "colour"/);
  });

  it('rejects anything after the direction', () => {
    expect(orderByError('metrics.acc DESC, params.lr')).toMatch(
      /position 16: expected ASC, DESC or the end after "metrics.acc", got ","/,
    );
    expect(orderByError('metrics.acc DOWN')).toMatch(/position 12: .* got "DOWN"/);
  });

  it('rejects an empty clause', () => {
    expect(orderByError('')).toMatch(
      /position 0: expected an identifier such as metrics.acc, got end of input/,
    );
    expect(orderByError('   ')).toMatch(/position 3: .* got end of input/);
  });
});

/** A small deterministic generator (mulberry32), so a fuzz failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fragments = [
  'metrics.a',
  'constructor.',
  'toString',
  '__proto__',
  'params.`b c`',
  'tags."d"',
  'attributes.run_id',
  'created',
  'datasets.name',
  'foo.bar',
  'metrics.',
  ' and ',
  ' AND ',
  ' or ',
  ' NOT ',
  ' IN ',
  ' IS ',
  ' NULL ',
  ' LIKE ',
  ' ILIKE ',
  ' DESC',
  ' asc',
  '=',
  '!=',
  '<>',
  '>=',
  '<',
  '~',
  '==',
  '(',
  ')',
  ',',
  ';',
  '--',
  '/*',
  '*/',
  '\\',
  '%',
  '_',
  "'",
  '"',
  '`',
  "''",
  "'x'",
  '"y"',
  '1',
  '-2.5',
  '1e3',
  '1e',
  '.',
  '-',
  '+',
  ' ',
  '\n',
  '\u0000',
  'é',
  '😀',
  "'; drop table runs; --",
  "' OR '1'='1",
  'UNION SELECT * FROM runs',
];

function fuzzInput(next: () => number): string {
  const parts: string[] = [];
  const count = Math.floor(next() * 12);
  for (let i = 0; i < count; i += 1) {
    if (next() < 0.2) parts.push(String.fromCharCode(Math.floor(next() * 0x3000)));
    else parts.push(fragments[Math.floor(next() * fragments.length)] ?? '');
  }
  return parts.join('');
}

const entityTypes = new Set(['metric', 'param', 'tag', 'attribute', 'dataset']);

/** Whatever the parser returns for fuzzed input must still honour the AST contract. */
function isWellFormed(result: unknown): boolean {
  const items = Array.isArray(result) ? (result as unknown[]) : [result];
  return items.every((item) => {
    const { type, key } = item as { type: unknown; key: unknown };
    return typeof type === 'string' && entityTypes.has(type) && typeof key === 'string' && key !== '';
  });
}

function expectOnlyMloopErrors(call: () => unknown, input: string): void {
  try {
    if (!isWellFormed(call())) throw new Error(`${JSON.stringify(input)} gave a malformed AST`);
  } catch (error) {
    if (!(error instanceof MloopError) || error.code !== 'INVALID_PARAMETER_VALUE') {
      throw new Error(`${JSON.stringify(input)} threw ${String(error)}`);
    }
  }
}

describe('robustness', () => {
  it('throws nothing but an INVALID_PARAMETER_VALUE MloopError for random input', () => {
    const next = random(20240601);
    for (let i = 0; i < 20_000; i += 1) {
      const input = fuzzInput(next);
      expectOnlyMloopErrors(() => parseFilter(input), input);
      expectOnlyMloopErrors(() => parseOrderBy(input), input);
    }
  });

  it('throws nothing but a MloopError for every truncation of a valid filter', () => {
    const valid = `metrics.\`a b\` >= -1e3 and params.c LIKE 'it''s%' and tags.d IS NOT NULL and run_id NOT IN ('x', "y")`;
    expect(parseFilter(valid)).toHaveLength(4);
    for (let end = 0; end <= valid.length; end += 1) {
      expectOnlyMloopErrors(() => parseFilter(valid.slice(0, end)), valid.slice(0, end));
      expectOnlyMloopErrors(() => parseFilter(valid.slice(end)), valid.slice(end));
    }
  });

  it('rejects SQL injection attempts as invalid filters', () => {
    expect(filterError("'; drop table runs; --")).toMatch(/position 0: unterminated string/);
    expect(filterError("params.a = 'x' OR '1'='1'")).toMatch(/position 15: OR is not supported/);
    expect(filterError("params.a = 'x'; drop table runs; --")).toMatch(
      /position 14: expected AND or the end of the filter, got ";"/,
    );
    expect(parseFilter("params.a = 'x''; drop table runs; --'")).toEqual([
      clause('param', 'a', '=', "x'; drop table runs; --"),
    ]);
  });

  it('parses long inputs in linear time', () => {
    const clauses = Array.from({ length: 20_000 }, (_, i) => `metrics.m${i} > ${i}`).join(' and ');
    const started = performance.now();
    expect(parseFilter(clauses)).toHaveLength(20_000);
    expectOnlyMloopErrors(() => parseFilter(`params.a = '${"''".repeat(200_000)}`), 'unterminated');
    expectOnlyMloopErrors(() => parseFilter(`metrics.${'a.'.repeat(200_000)} = 1`), 'long key');
    expectOnlyMloopErrors(() => parseFilter('1'.repeat(200_000) + 'x'), 'long number');
    // Generous: a quadratic pass over these inputs would take minutes.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
