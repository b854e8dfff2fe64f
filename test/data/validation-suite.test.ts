import { describe, expect, it } from 'vitest';
import { MloopError } from '../../src/core/errors.js';
import { parseSuite, parseSuiteText, suiteDigest } from '../../src/data/validation/suite.js';

function errorOf(work: () => unknown): MloopError {
  try {
    work();
  } catch (error) {
    if (error instanceof MloopError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('suite files', () => {
  it('reads the YAML format with every kind of check', () => {
    const suite = parseSuiteText(`
checks:
  - column: age
    type: integer
    not_null: true
    range: {min: 0, max: 120}
  - column: country
    allowed: [US, FR, DE]
  - column: email
    regex: '^[^@]+@[^@]+$'
  - column: id
    unique: true
  - rows: {min: 1000, max: 10000000}
  - column: income
    distribution: {reference: "customers/3", test: jensen-shannon, threshold: 0.05}
`);
    expect(suite.checks).toEqual([
      { column: 'age', type: 'integer', max_missing: 0, range: { min: 0, max: 120 } },
      { column: 'country', allowed: ['US', 'FR', 'DE'] },
      { column: 'email', regex: '^[^@]+@[^@]+$' },
      { column: 'id', unique: true },
      { rows: { min: 1000, max: 10000000 } },
      {
        column: 'income',
        distribution: { reference: 'customers/3', test: 'jensenshannon', threshold: 0.05 },
      },
    ]);
  });

  it.each([
    [{ checks: [{ column: 'a' }, { column: 'b', type: 'int' }] }, 'checks[1].type', 'type must be one of'],
    [{ checks: [{ column: 'a', range: { min: 5, max: 1 } }] }, 'checks[0].range', 'min 5 is above max 1'],
    [{ checks: [{ column: 'a', max_missing: 5 }] }, 'checks[0].max_missing', 'between 0 and 1'],
    [{ checks: [{ rows: { min: -1 } }] }, 'checks[0].rows.min', 'whole number of rows'],
    [{ checks: [{ column: 'a' }, { colum: 'b' }] }, 'checks[1].column', 'needs "column"'],
    [{ checks: [{ column: 'a', regex: '(' }] }, 'checks[0].regex', 'does not compile'],
    [{ checks: [{ column: 'a', uniq: true }] }, 'checks[0].uniq', 'unknown key "uniq"'],
    [
      { checks: [{ column: 'a', distribution: { reference: 'x/1', test: 't' } }] },
      'checks[0].distribution.test',
      'ks',
    ],
    [{ checks: [] }, 'checks', 'non-empty'],
  ])('names the check and field of a mistake (%j)', (suite, field, message) => {
    const error = errorOf(() => parseSuite(suite));
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('says when the text is not YAML', () => {
    expect(errorOf(() => parseSuiteText('checks: [')).message).toContain('not valid YAML or JSON');
  });

  it('gives a reformatted suite the same digest and a changed one another', () => {
    const a = parseSuiteText('checks:\n  - {column: a, range: {min: 0, max: 1}}\n');
    const b = parseSuiteText('{"checks": [{"range": {"max": 1, "min": 0}, "column": "a"}]}');
    const c = parseSuiteText('checks:\n  - {column: a, range: {min: 0, max: 2}}\n');
    expect(suiteDigest(a)).toBe(suiteDigest(b));
    expect(suiteDigest(a)).not.toBe(suiteDigest(c));
  });
});
