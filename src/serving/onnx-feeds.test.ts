import { describe, expect, it } from 'vitest';
import { Tensor } from 'onnxruntime-node';
import type { FeatureSpec } from '../registry/model-metadata.js';
import { parseRecords } from './feature-batch.js';
import { buildFeeds, checkLayout } from './onnx-feeds.js';

const features: FeatureSpec[] = [
  { name: 'a', type: 'float32' },
  { name: 'b', type: 'int64' },
  { name: 'c', type: 'bool' },
];

describe('buildFeeds', () => {
  it('packs a tensor layout row-major, columns in signature order', () => {
    const batch = parseRecords(features, [
      { a: 1.5, b: 2, c: true },
      { a: -3, b: 7, c: false },
    ]);
    const feeds = buildFeeds(Tensor, { kind: 'tensor', inputName: 'x', tensorType: 'float32' }, batch);
    expect(feeds.x?.dims).toEqual([2, 3]);
    expect(Array.from(feeds.x?.data as Float32Array)).toEqual([1.5, 2, 1, -3, 7, 0]);
  });

  it('gives each feature its own [n, 1] tensor in the columns layout', () => {
    const batch = parseRecords(features, [{ a: 1, b: 2, c: true }]);
    const feeds = buildFeeds(Tensor, { kind: 'columns' }, batch);
    expect(Object.keys(feeds)).toEqual(['a', 'b', 'c']);
    expect(feeds.b?.type).toBe('int64');
    expect(feeds.c?.type).toBe('bool');
    expect(feeds.a?.dims).toEqual([1, 1]);
  });
});

describe('checkLayout', () => {
  it('refuses features a tensor cannot hold without losing values', () => {
    expect(() => checkLayout({ kind: 'tensor', inputName: 'x', tensorType: 'int64' }, features)).toThrow(
      /feature "a" is float32 but the model's input tensor "x" is int64/,
    );
    expect(() =>
      checkLayout({ kind: 'tensor', inputName: 'x', tensorType: 'float32' }, [{ name: 's', type: 'string' }]),
    ).toThrow(/is string/);
    expect(() =>
      checkLayout({ kind: 'tensor', inputName: 'x', tensorType: 'float64' }, features),
    ).not.toThrow();
    expect(() => checkLayout({ kind: 'columns' }, features)).not.toThrow();
  });
});
