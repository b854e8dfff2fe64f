import type { DataRelation } from './duckdb-sql.js';
import type { DistributionTestName } from './suite.js';

/** One column of some data, as a distribution test reads it. */
export interface ColumnSample {
  data: DataRelation;
  column: string;
}

export interface DistributionComparison {
  test: DistributionTestName;
  statistic: number;
  pValue?: number;
  threshold: number;
  /** True when the current column's distribution is not close to the reference's. */
  drifted: boolean;
  /** Why no verdict could be reached (say, no values on one side). */
  note?: string;
}

/**
 * Compares a column's distribution with a reference's. Data sits upstream of monitoring, which
 * owns the drift statistics, so validation states what it needs here and the composition root
 * passes monitoring's implementation in.
 */
export interface DistributionTest {
  compare(request: {
    reference: ColumnSample;
    current: ColumnSample;
    test?: DistributionTestName;
    threshold?: number;
  }): Promise<DistributionComparison>;
}
