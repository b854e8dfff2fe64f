import { invalidParameter } from './errors.js';

/** How much of a log to keep: rows older than maxAgeMs go, then the oldest beyond maxBytes or maxRows. */
export interface RetentionLimits {
  maxAgeMs?: number;
  maxBytes?: number;
  maxRows?: number;
}

/** Limits for every model, and per model (a model's own limits replace the global ones). */
export interface RetentionSpec {
  global: RetentionLimits;
  models: Record<string, RetentionLimits>;
}

const ageUnits: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const sizeUnits: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
const countUnits: Record<string, number> = { '': 1, k: 1e3, M: 1e6 };

/**
 * `MLOOP_PREDICTION_RETENTION`: comma-separated rules, each `[MODEL=]LIMIT[:LIMIT]` where a limit
 * is an age (`30d`, `12h`, `2w`), a size (`500MB`, `10GB`) or a number of rows (`1Mrows`,
 * `50000rows`): `90d:10GB,churn=7d,fraud=1GB:5Mrows` keeps 90 days and at most 10 GB of each
 * model's predictions, but 7 days of churn's and 1 GB and 5 million rows of fraud's.
 */
export function parseRetentionSpec(
  text: string,
  field = 'predictionRetention',
  /** False where only ages make sense (alerts): a size is refused. */
  sizes = true,
): RetentionSpec {
  const spec: RetentionSpec = { global: {}, models: {} };
  for (const rule of text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)) {
    const equals = rule.lastIndexOf('=');
    const model = equals >= 0 ? rule.slice(0, equals).trim() : undefined;
    const limits: RetentionLimits = {};
    for (const limit of rule
      .slice(equals + 1)
      .split(':')
      .map((l) => l.trim())) {
      const age = /^(\d+(?:\.\d+)?)(m|h|d|w)$/.exec(limit);
      const size = /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB)$/i.exec(limit);
      const rows = /^(\d+(?:\.\d+)?)(k|M|)rows$/.exec(limit);
      if (age) limits.maxAgeMs = Number(age[1]) * ageUnits[age[2]!]!;
      else if (size && sizes) limits.maxBytes = Number(size[1]) * sizeUnits[size[2]!.toUpperCase()]!;
      else if (rows && sizes) limits.maxRows = Math.floor(Number(rows[1]) * countUnits[rows[2]!]!);
      else if (!sizes)
        throw invalidParameter(
          field,
          `"${limit}" in "${rule}" is not an age (30d, 12h, 2w): write rules as [MODEL=]AGE, e.g. 90d,churn=30d`,
        );
      else
        throw invalidParameter(
          field,
          `"${limit}" in "${rule}" is neither an age (30d, 12h, 2w), a size (500MB, 10GB) nor a number of rows (1Mrows): write rules as [MODEL=]LIMIT[:LIMIT], e.g. 90d:10GB,churn=7d`,
        );
      if (!(Number(age?.[1] ?? size?.[1] ?? rows?.[1]) > 0))
        throw invalidParameter(field, `"${limit}" must be more than 0`);
    }
    if (model === undefined) spec.global = limits;
    else if (model === '') throw invalidParameter(field, `"${rule}" names no model before "="`);
    else spec.models[model] = limits;
  }
  return spec;
}

/** One age (`30d`, `12h`, `2w`) in milliseconds, for retention settings that take no rules. */
export function parseRetentionAge(text: string, field: string): number {
  const spec = parseRetentionSpec(text, field, false);
  if (Object.keys(spec.models).length > 0 || spec.global.maxAgeMs === undefined)
    throw invalidParameter(field, `"${text}" must be one age, such as 365d or 12w`);
  return spec.global.maxAgeMs;
}
