import { describe, expect, it } from 'vitest';
import { buildReferenceProfile, checkDataQuality } from '../../src/monitoring/quality/index.js';

const profile = buildReferenceProfile({
  age: Float64Array.from([18, 25, 40, 65, 90]),
  income: [1000, null, 3000, 4000, 5000],
  city: ['Paris', 'Lyon', 'Paris', null, 'Nice'],
});

function inputs(overrides: Record<string, unknown>[] = []): Record<string, unknown>[] {
  const healthy = Array.from({ length: 20 }, (_, i) => ({
    age: 20 + i,
    income: 1500 + i * 100,
    city: 'Lyon',
  }));
  return [...healthy, ...overrides];
}

describe('buildReferenceProfile', () => {
  it('keeps the range, the categories and the missing share of each column', () => {
    expect(profile.columns.age).toEqual({ kind: 'numeric', count: 5, missingShare: 0, min: 18, max: 90 });
    expect(profile.columns.income).toMatchObject({
      kind: 'numeric',
      missingShare: 0.2,
      min: 1000,
      max: 5000,
    });
    expect(profile.columns.city).toEqual({
      kind: 'categorical',
      count: 5,
      missingShare: 0.2,
      categories: ['Lyon', 'Nice', 'Paris'],
    });
  });
});

describe('checkDataQuality', () => {
  it('raises no issue for inputs like the reference', () => {
    const report = checkDataQuality(inputs(), profile);
    expect(report.rows).toBe(20);
    expect(report.issues).toEqual([]);
    expect(report.unexpectedColumns).toEqual([]);
  });

  it('flags values outside the reference range, counting below and above', () => {
    const report = checkDataQuality(
      inputs([
        { age: 12, income: 2000, city: 'Paris' },
        { age: 130, income: 9999, city: 'Paris' },
      ]),
      profile,
    );
    const age = report.columns.find((c) => c.name === 'age')!;
    expect(age.outOfRange).toMatchObject({
      count: 2,
      below: 1,
      above: 1,
      flagged: true,
      examples: ['12', '130'],
    });
    expect(report.issues.map((i) => [i.column, i.check])).toEqual([
      ['age', 'out_of_range'],
      ['income', 'out_of_range'],
    ]);
  });

  it('flags categories the reference never had', () => {
    const report = checkDataQuality(
      inputs([
        { age: 30, income: 2000, city: 'Marseille' },
        { age: 30, income: 2000, city: 'Marseille' },
      ]),
      profile,
    );
    const city = report.columns.find((c) => c.name === 'city')!;
    expect(city.unseenCategories).toMatchObject({
      count: 2,
      distinct: 1,
      flagged: true,
      examples: ['"Marseille"'],
    });
    expect(report.issues[0]).toMatchObject({ column: 'city', check: 'unseen_category' });
  });

  it('flags a missing share well above the reference one, absent keys and NaN included', () => {
    const window = inputs([
      { age: 30, city: 'Paris' },
      { age: NaN, income: null, city: 'Paris' },
      { income: 2000 },
    ]);
    const report = checkDataQuality(window, profile, { missingShareTolerance: 0.05 });
    const byName = Object.fromEntries(report.columns.map((c) => [c.name, c]));
    expect(byName.age!.missing).toMatchObject({ count: 2, flagged: true });
    // income: 2 of 23 missing (8.7%) against 20% in the reference: not worse.
    expect(byName.income!.missing).toMatchObject({ count: 2, referenceShare: 0.2, flagged: false });
    expect(report.issues.map((i) => `${i.column}:${i.check}`)).toEqual(['age:missing']);
  });

  it('flags type mismatches: strings for numbers, objects for categories', () => {
    const report = checkDataQuality(
      inputs([
        { age: '42', income: 2000, city: { name: 'Paris' } },
        { age: true, income: 2000, city: ['Lyon'] },
      ]),
      profile,
    );
    const byName = Object.fromEntries(report.columns.map((c) => [c.name, c]));
    expect(byName.age!.typeMismatch).toMatchObject({ count: 2, flagged: true, examples: ['"42"', 'true'] });
    expect(byName.city!.typeMismatch).toMatchObject({
      count: 2,
      flagged: true,
      examples: ['{"name":"Paris"}', '["Lyon"]'],
    });
    expect(byName.age!.outOfRange?.count).toBe(0);
  });

  it('tolerates a small share when asked, and lists keys the profile does not know', () => {
    const report = checkDataQuality(inputs([{ age: 95, income: 2000, city: 'Lyon', extra: 1 }]), profile, {
      outOfRangeTolerance: 0.1,
    });
    expect(report.columns.find((c) => c.name === 'age')!.outOfRange).toMatchObject({
      count: 1,
      flagged: false,
    });
    expect(report.issues).toEqual([]);
    expect(report.unexpectedColumns).toEqual(['extra']);
  });

  it('answers an empty window without issues', () => {
    const report = checkDataQuality([], profile);
    expect(report).toMatchObject({ rows: 0, issues: [] });
  });
});
