export { computeDriftReport } from './drift-report.js';
export type {
  ColumnDrift,
  ColumnDriftOptions,
  DriftOptions,
  DriftReport,
  DriftReportRequest,
  Histogram,
} from './drift-report.js';
export type { DriftSource, InMemoryColumn } from './sources.js';
export { defaultTest, defaultThreshold, driftTestNames } from './default-test.js';
export type { ColumnKind, DriftTestName } from './default-test.js';
