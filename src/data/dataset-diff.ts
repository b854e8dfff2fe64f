import { diffSchemas, type SchemaChange } from './schema.js';
import type { ColumnProfile, DatasetVersion } from './types.js';

/** How one column present in both versions moved. Deltas are `to - from`. */
export interface ColumnShift {
  name: string;
  missingShare: { from: number; to: number; delta: number };
  distinct: { from: number; to: number; delta: number };
  /** Numbers: the mean's move, also in units of the first version's standard deviation. */
  mean?: { from: number; to: number; delta: number; inStd?: number };
  std?: { from: number; to: number; delta: number };
  median?: { from: number; to: number; delta: number };
  /** Categories: frequent values that appeared in or left the top values. */
  topValues?: { added: string[]; removed: string[] };
}

export interface DatasetDiff {
  from: { name: string; version: number; digest: string };
  to: { name: string; version: number; digest: string };
  sameContent: boolean;
  rowCount: { from: number; to: number; delta: number };
  schema: SchemaChange[];
  columns: ColumnShift[];
}

/** Compares two versions by their stored schemas and profiles (no data is read again). */
export function diffVersions(a: DatasetVersion, b: DatasetVersion): DatasetDiff {
  const before = new Map(a.profile.columns.map((c) => [c.name, c]));
  const columns: ColumnShift[] = [];
  for (const after of b.profile.columns) {
    const was = before.get(after.name);
    if (was) columns.push(shiftOf(was, after));
  }
  return {
    from: { name: a.name, version: a.version, digest: a.digest },
    to: { name: b.name, version: b.version, digest: b.digest },
    sameContent: a.digest === b.digest,
    rowCount: { from: a.rowCount, to: b.rowCount, delta: b.rowCount - a.rowCount },
    schema: diffSchemas(a.schema, b.schema),
    columns,
  };
}

function move(from: number, to: number): { from: number; to: number; delta: number } {
  return { from, to, delta: to - from };
}

function shiftOf(a: ColumnProfile, b: ColumnProfile): ColumnShift {
  const shift: ColumnShift = {
    name: b.name,
    missingShare: move(a.missingShare, b.missingShare),
    distinct: move(a.distinct, b.distinct),
  };
  if (a.mean !== undefined && b.mean !== undefined) {
    const mean = move(a.mean, b.mean);
    shift.mean = a.std ? { ...mean, inStd: mean.delta / a.std } : mean;
  }
  if (a.std !== undefined && b.std !== undefined) shift.std = move(a.std, b.std);
  if (a.quantiles && b.quantiles) shift.median = move(a.quantiles.p50, b.quantiles.p50);
  if (a.topValues && b.topValues) {
    const was = new Set(a.topValues.map((v) => v.value));
    const now = new Set(b.topValues.map((v) => v.value));
    shift.topValues = {
      added: [...now].filter((v) => !was.has(v)),
      removed: [...was].filter((v) => !now.has(v)),
    };
  }
  return shift;
}
