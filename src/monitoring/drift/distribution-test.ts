import type { DistributionTest } from '../../data/validation/distribution-test.js';
import { computeDriftReport } from './drift-report.js';

/**
 * Monitoring's drift statistics behind the interface data validation asks for: the composition
 * root hands it to the validation service, so data never imports monitoring.
 */
export const driftDistributionTest: DistributionTest = {
  async compare({ reference, current, test, threshold }) {
    const report = await computeDriftReport({
      reference: reference.data,
      current: current.data,
      columns: [
        {
          name: current.column,
          ...(test ? { test } : {}),
          ...(threshold !== undefined ? { threshold } : {}),
        },
      ],
    });
    const column = report.columns[0]!;
    return {
      test: column.test,
      statistic: column.statistic,
      ...(column.pValue !== undefined ? { pValue: column.pValue } : {}),
      threshold: column.threshold,
      drifted: column.drifted,
      ...(column.note !== undefined ? { note: column.note } : {}),
    };
  },
};
