export { buildReferenceProfile } from './reference-profile.js';
export type { ColumnProfile, ReferenceProfile, ReferenceValues } from './reference-profile.js';
export { checkDataQuality } from './data-quality.js';
export type {
  CheckResult,
  ColumnQuality,
  DataQualityIssue,
  DataQualityOptions,
  DataQualityReport,
  QualityCheck,
} from './data-quality.js';
