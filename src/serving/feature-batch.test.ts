import { describe, expect, it } from 'vitest';
import { MloopError } from '../core/errors.js';
import type { FeatureSpec } from '../registry/model-metadata.js';
import { parseRecords } from './feature-batch.js';

const features: FeatureSpec[] = [
  { name: 'age', type: 'int64' },
  { name: 'income', type: 'float32' },
  { name: 'score', type: 'float64', optional: true },
  { name: 'city', type: 'string' },
  { name: 'member', type: 'bool' },
  { name: 'rooms', type: 'int32' },
];

const good = { age: 41, income: 52000.5, score: 0.3, city: 'Lyon', member: true, rooms: 3 };

function rejection(records: unknown[], maxRecords = 100): MloopError {
  try {
    parseRecords(features, records, { maxRecords });
  } catch (error) {
    if (error instanceof MloopError) return error;
    throw error;
  }
  throw new Error('expected the records to be rejected');
}

describe('parseRecords', () => {
  it('packs valid records into typed columns in signature order', () => {
    const batch = parseRecords(features, [good, { ...good, age: -2, member: false, score: null }]);
    expect(batch.size).toBe(2);
    const [age, income, score, city, member, rooms] = batch.columns;
    expect(age).toEqual({ type: 'int64', values: BigInt64Array.from([41n, -2n]) });
    expect(income?.type).toBe('float32');
    expect(Array.from(income?.values as Float32Array)).toEqual([52000.5, 52000.5]);
    expect(score?.values[0]).toBe(0.3);
    expect(Number.isNaN(score?.values[1])).toBe(true);
    expect(city?.values).toEqual(['Lyon', 'Lyon']);
    expect(Array.from(member?.values as Uint8Array)).toEqual([1, 0]);
    expect(Array.from(rooms?.values as Int32Array)).toEqual([3, 3]);
  });

  it('rejects a missing required feature, naming it and the record', () => {
    const { age: _age, ...noAge } = good;
    const error = rejection([good, noAge]);
    expect(error.status).toBe(400);
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.field).toBe('records[1].age');
    expect(error.message).toMatch(/record 1 lacks the required feature "age"; the model takes age, income/);
  });

  it('names every required feature a record lacks', () => {
    const error = rejection([{ score: 0.1, city: 'Oslo', member: false }]);
    expect(error.field).toBe('records[0].age');
    expect(error.message).toMatch(/lacks the required features "age", "income", "rooms"/);
  });

  it('imputes a null of a nullable feature but still requires it to be sent', () => {
    const nullable: FeatureSpec[] = [
      { name: 'tenure', type: 'float32', nullable: true },
      { name: 'plan', type: 'string', nullable: true },
      { name: 'region', type: 'string', nullable: true, optional: true },
    ];
    const batch = parseRecords(nullable, [
      { tenure: null, plan: null },
      { tenure: 'NaN', plan: 'pro', region: 'eu' },
    ]);
    expect(Array.from(batch.columns[0]?.values as Float32Array)).toEqual([NaN, NaN]);
    expect(batch.columns[1]?.values).toEqual(['', 'pro']);
    expect(batch.columns[2]?.values).toEqual(['', 'eu']);
    expect(() => parseRecords(nullable, [{ plan: 'pro' }])).toThrow(
      /record 0 lacks the required feature "tenure".*send null where a value is unknown/,
    );
  });

  it('rejects an unknown feature', () => {
    const error = rejection([{ ...good, colour: 'red' }]);
    expect(error.field).toBe('records[0].colour');
    expect(error.message).toMatch(/unknown feature "colour"/);
  });

  it('rejects a string where a float is expected', () => {
    const error = rejection([good, good, { ...good, income: '52000' }]);
    expect(error.field).toBe('records[2].income');
    expect(error.message).toMatch(/must be a number, got string "52000"/);
  });

  it('rejects a non-integer for int64 and int32, and out-of-range integers', () => {
    expect(rejection([{ ...good, age: 41.5 }]).message).toMatch(
      /"age" \(int64\) must be an integer, got 41.5/,
    );
    expect(rejection([{ ...good, rooms: 2 ** 31 }]).message).toMatch(/out of int32 range/);
    expect(rejection([{ ...good, age: 2 ** 60 }]).message).toMatch(/within ±2\^53/);
    expect(rejection([{ ...good, age: true }]).message).toMatch(/must be an integer, got boolean true/);
  });

  it('rejects wrong types for bool and string features', () => {
    expect(rejection([{ ...good, member: 1 }]).field).toBe('records[0].member');
    expect(rejection([{ ...good, city: 7 }]).message).toMatch(
      /"city" \(string\) must be a string, got number 7/,
    );
  });

  it('rejects NaN and null for a required float, and allows them for an optional one', () => {
    expect(rejection([{ ...good, income: 'NaN' }]).message).toMatch(
      /"income" \(float32\) is NaN, and the feature is required/,
    );
    expect(rejection([{ ...good, income: null }]).message).toMatch(/is null, and the feature is required/);
    expect(rejection([{ ...good, income: NaN }]).message).toMatch(/is NaN/);
    const batch = parseRecords(features, [{ ...good, score: 'NaN' }]);
    expect(Number.isNaN(batch.columns[2]?.values[0])).toBe(true);
  });

  it('rejects a float outside float32 range and non-finite numbers', () => {
    expect(rejection([{ ...good, income: 1e39 }]).message).toMatch(/out of float32 range/);
    expect(rejection([{ ...good, score: Infinity }]).message).toMatch(/must be finite/);
  });

  it('rejects an empty batch and too many records', () => {
    expect(rejection([]).message).toMatch(/records is empty/);
    const error = rejection([good, good, good], 2);
    expect(error.field).toBe('records');
    expect(error.message).toMatch(/too many records: 3, at most 2/);
  });

  it('rejects a record that is not an object', () => {
    expect(rejection([good, [1, 2]]).field).toBe('records[1]');
    expect(rejection([null]).message).toMatch(/record 0 must be an object/);
  });

  it('requires optional integer features to be present, as ONNX has no missing integer', () => {
    const optionalInt: FeatureSpec[] = [{ name: 'n', type: 'int64', optional: true }];
    expect(() => parseRecords(optionalInt, [{}])).toThrow(/int64 features have no missing value/);
  });
});

describe('parseRecords and inherited names', () => {
  it('treats a feature named like an Object method as missing when the record lacks it', () => {
    const named: FeatureSpec[] = [{ name: 'toString', type: 'float64' }];
    expect(() => parseRecords(named, [{}])).toThrow(/lacks the required feature "toString"/);
    expect(parseRecords(named, [{ toString: 2 }]).columns[0]?.values[0]).toBe(2);
  });
});
