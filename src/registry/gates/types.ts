/**
 * What an evaluation gate found about a model version. The registry stores reports and blocks
 * promotions on them; the checks themselves are computed by training (`training/gates`).
 */

/** One condition of a gate and what the holdout showed. */
export interface GateCheck {
  /** `metric:roc_auc`, `compare:roc_auc`, `slice:region=north:accuracy`, `fairness:gender:recall`, `latency:p99`. */
  name: string;
  passed: boolean;
  /** What was measured (undefined when it could not be, e.g. a slice with no rows). */
  observed: number | undefined;
  /** The bound it was held to. */
  threshold: number;
  /** Why it passed or failed, in words. */
  reason: string;
}

export interface GateReport {
  passed: boolean;
  checks: GateCheck[];
  /** The holdout the version was scored on: a file name or `DATASET/VERSION`. */
  holdout: string;
  /** Rows of the holdout scored. */
  rows: number;
  /** The version compared against (`compare_to`), when there was one. */
  baseline?: { alias: string; version: number } | undefined;
}

/** A stored report, with where and when it was made. */
export interface StoredGateReport extends GateReport {
  id: string;
  name: string;
  version: number;
  time: number;
}

/**
 * Aliases that only move to a version whose latest gate report passed, when no configuration
 * names them (`protectedAliases`, MLOOP_PROTECTED_ALIASES: the same list governance guards).
 */
export const defaultProtectedAliases: readonly string[] = ['production', 'champion'];

/** The version tag that mirrors the latest report's outcome, for searches and the UI. */
export const gatePassedTag = 'mloop.gate.passed';

// A type, not an interface: Kysely's `withTables` needs the implicit index signature.
export type GateTables = {
  model_gates: {
    registered_model_id: string;
    model_name: string;
    spec: string;
    created_time: number;
    updated_time: number;
  };
  gate_reports: {
    id: string;
    registered_model_id: string;
    model_name: string;
    version: number;
    passed: number;
    report: string;
    created_time: number;
  };
};
