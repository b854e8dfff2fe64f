import { describe, expect, it } from 'vitest';
import {
  comparisonChecks,
  latencyCheck,
  sliceChecks,
  type ScoredHoldout,
} from '../../src/training/gates/gate-checks.js';

describe('gate checks', () => {
  it('compares in each metric’s direction: a higher RMSE is a regression, a higher AUC is not', () => {
    const [rmse, auc] = comparisonChecks(
      { rmse: 1.05, roc_auc: 0.9 },
      { rmse: 1.0, roc_auc: 0.85 },
      ['rmse', 'roc_auc'],
      0.02,
      'production',
    );
    expect(rmse).toMatchObject({ name: 'compare:rmse', passed: false, threshold: 1.02 });
    expect(auc).toMatchObject({ name: 'compare:roc_auc', passed: true });
    expect(auc?.threshold).toBeCloseTo(0.83);
  });

  it('takes the nearest-rank 99th percentile of latencies', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyCheck(latencies, 99)).toMatchObject({ observed: 99, passed: true });
    expect(latencyCheck(latencies, 98.5).passed).toBe(false);
  });

  it('judges each slice on its own rows and skips slices under min_rows', () => {
    const scored: ScoredHoldout = {
      task: 'classification',
      classes: ['no', 'yes'],
      actual: Int32Array.from([1, 0, 1, 0, 1]),
      // a, a, a right; b wrong; c alone
      probabilities: Float64Array.from([0.2, 0.8, 0.9, 0.1, 0.3, 0.7, 0.1, 0.9, 0.5, 0.5]),
    };
    const checks = sliceChecks(scored, ['a', 'a', 'a', 'b', 'c'], {
      column: 'g',
      metrics: { accuracy: { min: 0.9 } },
      minRows: 1,
    });
    expect(checks.map((c) => [c.name, c.passed])).toEqual([
      ['slice:g=a:accuracy', true],
      ['slice:g=b:accuracy', false],
      ['slice:g=c:accuracy', false],
    ]);
    const few = sliceChecks(scored, ['a', 'a', 'a', 'b', 'c'], {
      column: 'g',
      metrics: { accuracy: { min: 0.9 } },
      minRows: 2,
    });
    expect(few.find((c) => c.name === 'slice:g=b:rows')).toMatchObject({ passed: true, observed: 1 });
  });
});
