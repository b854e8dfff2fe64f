import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { loadDuckDb } from '../../store/duckdb.js';
import { invalidParameter } from '../../core/errors.js';
import {
  alignCounts,
  categoricalOutcome,
  distinctMerged,
  numericOutcome,
  pooledSturgesEdges,
  type CategoryCounts,
  type TestOutcome,
} from './column-tests.js';
import {
  defaultTest,
  defaultThreshold,
  isDrifted,
  isPValueTest,
  testsFor,
  type ColumnKind,
  type DriftTestName,
} from './default-test.js';
import { histogramOfSorted } from './histogram.js';
import { columnReader, type ColumnReader, type DriftSource } from './sources.js';

/** Per-column choices; anything left out follows the defaults (default-test.ts). */
export interface ColumnDriftOptions {
  name: string;
  type?: ColumnKind;
  test?: DriftTestName;
  threshold?: number;
}

export interface DriftOptions {
  /** Dataset drift when the share of drifted columns is at least this (default 0.5). */
  driftShare?: number;
  /** Test for every column that names none (default: chosen per column like Evidently). */
  test?: DriftTestName;
  /** Threshold for every column that names none (default: the test's, see default-test.ts). */
  threshold?: number;
  /** Categories drawn in a categorical histogram; the rest are summed as "(other)" (default 30). */
  maxHistogramCategories?: number;
  /** The DuckDB connection for `table` and `sql` sources (an in-memory one is made otherwise). */
  connection?: DuckDBConnection;
}

export interface DriftReportRequest {
  reference: DriftSource;
  current: DriftSource;
  /** Columns to compare (names or options); default: every column of the reference. */
  columns?: (string | ColumnDriftOptions)[];
  options?: DriftOptions;
}

/** Numeric histograms have bin edges; categorical ones have one label per bar. */
export type Histogram =
  | { kind: 'bins'; edges: number[]; counts: number[] }
  | { kind: 'categories'; categories: string[]; counts: number[] };

export interface ColumnDrift {
  name: string;
  type: ColumnKind;
  test: DriftTestName;
  /** The test's statistic (KS D, chi-square, Z) or distance (Wasserstein normed, J–S, PSI). */
  statistic: number;
  pValue?: number;
  threshold: number;
  drifted: boolean;
  referenceCount: number;
  currentCount: number;
  referenceHistogram: Histogram;
  currentHistogram: Histogram;
  /** Why a column could not be judged (say, no values on one side). */
  note?: string;
}

export interface DriftReport {
  columns: ColumnDrift[];
  driftedColumns: number;
  driftedShare: number;
  driftShareThreshold: number;
  datasetDrift: boolean;
}

/**
 * Compares the current data with the reference, column by column, and says whether the dataset
 * drifted. Each numeric column is read as two sorted Float64Arrays and each categorical one as two
 * count maps, one column at a time, so memory stays at one column's worth of numbers.
 */
export async function computeDriftReport(request: DriftReportRequest): Promise<DriftReport> {
  const options = request.options ?? {};
  const driftShare = options.driftShare ?? 0.5;
  if (!(driftShare >= 0 && driftShare <= 1))
    throw invalidParameter('options.driftShare', 'driftShare must be in [0, 1]');
  const needsDuckDb = !('columns' in request.reference) || !('columns' in request.current);
  let owned: { instance: DuckDBInstance; connection: DuckDBConnection } | undefined;
  let connection = options.connection;
  if (needsDuckDb && !connection) {
    const { DuckDBConnection, DuckDBInstance } = await loadDuckDb();
    const instance = await DuckDBInstance.create(':memory:');
    connection = await DuckDBConnection.create(instance);
    owned = { instance, connection };
  }
  try {
    const reference = columnReader(request.reference, connection, 'reference');
    const current = columnReader(request.current, connection, 'current');
    const plan = await planColumns(request, reference, current);
    const columns: ColumnDrift[] = [];
    // While one column is being tested, DuckDB already reads the next one (on its own threads).
    let next = plan[0] ? loadColumn(plan[0], reference, current) : undefined;
    for (let i = 0; i < plan.length; i++) {
      const loaded = await next!;
      next = plan[i + 1] ? loadColumn(plan[i + 1]!, reference, current) : undefined;
      columns.push(compareColumn(plan[i]!, loaded, options));
    }
    const driftedColumns = columns.filter((c) => c.drifted).length;
    const driftedShareValue = columns.length === 0 ? 0 : driftedColumns / columns.length;
    return {
      columns,
      driftedColumns,
      driftedShare: driftedShareValue,
      driftShareThreshold: driftShare,
      datasetDrift: columns.length > 0 && driftedShareValue >= driftShare,
    };
  } finally {
    if (owned) {
      owned.connection.closeSync();
      owned.instance.closeSync();
    }
  }
}

interface PlannedColumn {
  name: string;
  type: ColumnKind;
  test?: DriftTestName;
  threshold?: number;
}

async function planColumns(
  request: DriftReportRequest,
  reference: ColumnReader,
  current: ColumnReader,
): Promise<PlannedColumn[]> {
  const referenceKinds = await reference.columns();
  const currentKinds = await current.columns();
  const wanted: ColumnDriftOptions[] = request.columns
    ? request.columns.map((c) => (typeof c === 'string' ? { name: c } : c))
    : [...referenceKinds.keys()].filter((name) => currentKinds.has(name)).map((name) => ({ name }));
  return wanted.map((column) => {
    const referenceKind = referenceKinds.get(column.name);
    if (!referenceKind || !currentKinds.has(column.name)) {
      throw invalidParameter(
        'columns',
        `column "${column.name}" is missing from the reference or the current data`,
      );
    }
    const type = column.type ?? referenceKind;
    const test = column.test ?? request.options?.test;
    if (test && !testsFor(type).includes(test)) {
      throw invalidParameter('columns', `test "${test}" does not apply to ${type} column "${column.name}"`);
    }
    const threshold = column.threshold ?? request.options?.threshold;
    if (threshold !== undefined && !(threshold >= 0)) {
      throw invalidParameter('columns', `threshold of column "${column.name}" must be a non-negative number`);
    }
    return { name: column.name, type, test, threshold };
  });
}

type LoadedColumn =
  | { type: 'numeric'; reference: Float64Array; current: Float64Array }
  | { type: 'categorical'; reference: CategoryCounts; current: CategoryCounts };

async function loadColumn(
  column: PlannedColumn,
  referenceReader: ColumnReader,
  currentReader: ColumnReader,
): Promise<LoadedColumn> {
  if (column.type === 'numeric') {
    const [reference, current] = await Promise.all([
      referenceReader.sortedNumbers(column.name),
      currentReader.sortedNumbers(column.name),
    ]);
    return { type: 'numeric', reference, current };
  }
  const [reference, current] = await Promise.all([
    referenceReader.categoryCounts(column.name),
    currentReader.categoryCounts(column.name),
  ]);
  return { type: 'categorical', reference, current };
}

function compareColumn(column: PlannedColumn, loaded: LoadedColumn, options: DriftOptions): ColumnDrift {
  if (loaded.type === 'numeric') {
    const { reference, current } = loaded;
    const test = column.test ?? defaultTest('numeric', reference.length, distinctMerged(reference, current));
    const histograms = numericHistograms(reference, current);
    const judge = () => numericOutcome(test, reference, current);
    return verdict(column, test, reference.length, current.length, histograms, judge);
  }
  const { reference, current } = loaded;
  const referenceCount = total(reference);
  const test =
    column.test ??
    defaultTest('categorical', referenceCount, new Set([...reference.keys(), ...current.keys()]).size);
  const histograms = categoricalHistograms(reference, current, options.maxHistogramCategories ?? 30);
  const judge = () => categoricalOutcome(test, reference, current);
  return verdict(column, test, referenceCount, total(current), histograms, judge);
}

function verdict(
  column: PlannedColumn,
  test: DriftTestName,
  referenceCount: number,
  currentCount: number,
  histograms: { reference: Histogram; current: Histogram },
  judge: () => TestOutcome,
): ColumnDrift {
  const threshold = column.threshold ?? defaultThreshold(test);
  const base = {
    name: column.name,
    type: column.type,
    test,
    threshold,
    referenceCount,
    currentCount,
    referenceHistogram: histograms.reference,
    currentHistogram: histograms.current,
  };
  if (referenceCount === 0 || currentCount === 0) {
    const side = referenceCount === 0 ? 'reference' : 'current';
    return { ...base, statistic: Number.NaN, drifted: false, note: `no values in the ${side} data` };
  }
  const outcome = judge();
  const score = isPValueTest(test) ? (outcome.pValue ?? Number.NaN) : outcome.statistic;
  return {
    ...base,
    statistic: outcome.statistic,
    ...(outcome.pValue !== undefined ? { pValue: outcome.pValue } : {}),
    drifted: isDrifted(test, score, threshold),
  };
}

function numericHistograms(
  reference: Float64Array,
  current: Float64Array,
): { reference: Histogram; current: Histogram } {
  if (reference.length + current.length === 0) {
    const empty: Histogram = { kind: 'bins', edges: [], counts: [] };
    return { reference: empty, current: empty };
  }
  const edges = pooledSturgesEdges(reference, current);
  const bins = (sample: Float64Array): Histogram => ({
    kind: 'bins',
    edges: [...edges],
    counts: [...histogramOfSorted(sample, edges)],
  });
  return { reference: bins(reference), current: bins(current) };
}

function categoricalHistograms(
  reference: CategoryCounts,
  current: CategoryCounts,
  maxCategories: number,
): { reference: Histogram; current: Histogram } {
  const aligned = alignCounts(reference, current);
  // Largest categories first (by both sides together); the tail is summed into one bar.
  const order = aligned.keys
    .map((key, i) => ({ key, r: aligned.reference[i] ?? 0, c: aligned.current[i] ?? 0 }))
    .sort((a, b) => b.r + b.c - (a.r + a.c));
  const shown = order.slice(0, maxCategories);
  const rest = order.slice(maxCategories);
  const categories = shown.map((e) => e.key);
  const referenceCounts = shown.map((e) => e.r);
  const currentCounts = shown.map((e) => e.c);
  if (rest.length > 0) {
    categories.push('(other)');
    referenceCounts.push(rest.reduce((s, e) => s + e.r, 0));
    currentCounts.push(rest.reduce((s, e) => s + e.c, 0));
  }
  return {
    reference: { kind: 'categories', categories, counts: referenceCounts },
    current: { kind: 'categories', categories: [...categories], counts: currentCounts },
  };
}

function total(counts: CategoryCounts): number {
  let sum = 0;
  for (const c of counts.values()) sum += c;
  return sum;
}
