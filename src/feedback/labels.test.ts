import { describe, expect, it } from 'vitest';
import { canonicalLabel, labelSpaceOf } from './labels.js';

describe('label space', () => {
  it('keeps named classes when the model outputs a class index', () => {
    const space = labelSpaceOf({ label: 1, probabilities: { '0': 0.2, '1': 0.8 } }, ['cat', 'dog']);
    expect(space.classes).toEqual(['cat', 'dog']);
    expect(canonicalLabel('dog', space, 'labels[0].label')).toBe('dog');
  });

  it('reads numeric classes from probability keys and matches a CSV cell to them', () => {
    const space = labelSpaceOf({ label: 1, probabilities: { '0': 0.2, '1': 0.8 } }, undefined);
    expect(space.classes).toEqual([0, 1]);
    expect(canonicalLabel('1', space, 'labels[0].label')).toBe(1);
    expect(() => canonicalLabel('2', space, 'labels[0].label')).toThrow(
      /labels\[0\]\.label "2" is not a class/,
    );
  });
});
