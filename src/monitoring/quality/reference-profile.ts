import type { ColumnKind } from '../drift/default-test.js';

/**
 * What production inputs are checked against: per feature, its kind, the share of missing values
 * in the reference, and either the observed range (numeric) or the set of categories seen.
 */
export type ColumnProfile =
  | { kind: 'numeric'; count: number; missingShare: number; min: number; max: number }
  | { kind: 'categorical'; count: number; missingShare: number; categories: string[] };

export interface ReferenceProfile {
  columns: Record<string, ColumnProfile>;
}

/** Values of one reference column: numbers (typed arrays too) or categories; null is missing. */
export type ReferenceValues = ArrayLike<number | null> | ArrayLike<string | boolean | null>;

/**
 * Profiles reference columns. A column's kind is given or inferred from its first present value;
 * NaN counts as missing for numeric columns. O(n) per column, no per-row objects.
 */
export function buildReferenceProfile(
  columns: Record<string, ReferenceValues>,
  kinds: Record<string, ColumnKind> = {},
): ReferenceProfile {
  const profile: Record<string, ColumnProfile> = {};
  for (const [name, values] of Object.entries(columns)) {
    const kind = kinds[name] ?? inferKind(values);
    profile[name] = kind === 'numeric' ? numericProfile(values) : categoricalProfile(values);
  }
  return { columns: profile };
}

function inferKind(values: ReferenceValues): ColumnKind {
  if (ArrayBuffer.isView(values)) return 'numeric';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) return typeof v === 'number' ? 'numeric' : 'categorical';
  }
  return 'categorical';
}

function numericProfile(values: ReferenceValues): ColumnProfile {
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || Number.isNaN(v)) {
      missing++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { kind: 'numeric', count: values.length, missingShare: share(missing, values.length), min, max };
}

function categoricalProfile(values: ReferenceValues): ColumnProfile {
  const categories = new Set<string>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) missing++;
    else categories.add(String(v));
  }
  return {
    kind: 'categorical',
    count: values.length,
    missingShare: share(missing, values.length),
    categories: [...categories].sort(),
  };
}

export function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
