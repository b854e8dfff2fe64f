import { describe, expect, it } from 'vitest';
import { sampledSteps } from './metric-sampling.js';

const range = (start: number, end: number, by = 1) =>
  Array.from({ length: Math.floor((end - start) / by) + 1 }, (_, i) => start + i * by);

describe('sampledSteps', () => {
  it('spreads the steps evenly and keeps the last one', () => {
    expect([...sampledSteps([range(0, 9)], 0, 10, 5)].sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 9]);
    expect([...sampledSteps([range(0, 1000, 10)], 0, 1000, 5)].sort((a, b) => a - b)).toEqual([
      0, 200, 400, 600, 800, 1000,
    ]);
  });

  it('returns every step when the range holds few enough', () => {
    expect([...sampledSteps([range(0, 9)], 4, 8, 5)].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8]);
  });

  it("samples runs together and keeps each run's last step", () => {
    expect([...sampledSteps([range(0, 9), range(0, 19)], 0, 19, 5)].sort((a, b) => a - b)).toEqual([
      0, 4, 8, 9, 12, 16, 19,
    ]);
  });
});
