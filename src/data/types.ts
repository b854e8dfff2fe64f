import type { PiiMode } from '../core/pii-mode.js';

/** The file formats a dataset version can hold. */
export const datasetFormats = ['csv', 'parquet', 'jsonl'] as const;
export type DatasetFormat = (typeof datasetFormats)[number];

/** One column of a version's schema, typed as DuckDB reads it (`BIGINT`, `DOUBLE`, `VARCHAR`…). */
export interface ColumnSchema {
  name: string;
  type: string;
}

/** What a column's profile describes: numbers get moments and a histogram, categories top values. */
export type ColumnKind = 'numeric' | 'categorical' | 'temporal' | 'other';

export interface HistogramBin {
  /** Inclusive lower edge; the last bin also includes its upper edge. */
  lower: number;
  upper: number;
  count: number;
}

export interface ColumnProfile {
  name: string;
  type: string;
  kind: ColumnKind;
  /** Non-missing values. */
  count: number;
  /** Share of rows where the value is missing (0…1). */
  missingShare: number;
  /** Distinct non-missing values: counted exactly, or estimated on large tables (see `distinctApproximate`). */
  distinct: number;
  /** True when `distinct` is a HyperLogLog estimate (off by up to tens of percent), made on tables too large to count exactly. */
  distinctApproximate?: boolean;
  /** Numbers only. `std` is the sample standard deviation; quantiles are interpolated (quantile_cont). */
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  quantiles?: { p05: number; p25: number; p50: number; p75: number; p95: number };
  histogram?: HistogramBin[];
  /** Categories only: the most frequent values, most frequent first. */
  topValues?: Array<{ value: string; count: number }>;
  /** Temporal columns: first and last value, as DuckDB prints them. */
  minText?: string;
  maxText?: string;
}

export interface DatasetProfile {
  rowCount: number;
  columns: ColumnProfile[];
}

/** One stored file of a version, relative to the version's directory. */
export interface DatasetFile {
  path: string;
  size: number;
  sha256: string;
}

export interface DatasetVersion {
  name: string;
  version: number;
  /** sha256 of the bytes (of a directory: of its sorted relative paths and their files' sha256). */
  digest: string;
  format: DatasetFormat;
  schema: ColumnSchema[];
  rowCount: number;
  sizeBytes: number;
  files: DatasetFile[];
  /** Where the version's files sit in the artifact store. */
  storagePath: string;
  source?: string;
  parentVersion?: number;
  profile: DatasetProfile;
  createdAt: number;
  createdBy?: string;
  tags: Record<string, string>;
  /**
   * Columns holding personal data, and how the prediction log keeps them out (redact or hash):
   * models trained on the version mark these inputs personal. Absent when none is.
   */
  pii?: Record<string, PiiMode>;
}

/** A version without its profile and file list: what listings show. */
export type DatasetVersionSummary = Omit<DatasetVersion, 'profile' | 'files'>;

export interface Dataset {
  name: string;
  description?: string;
  createdAt: number;
  latestVersion: number;
}

/** What `add` answers: the version, and whether this call made it or found it already there. */
export interface AddedVersion {
  version: DatasetVersion;
  created: boolean;
}
