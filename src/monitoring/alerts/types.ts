/** Alert rules and the alerts they raise: monitoring's domain objects. */

export const alertKinds = [
  'drift_share',
  'metric_below',
  'metric_above',
  'error_rate_above',
  'p99_latency_above',
] as const;
/**
 * What a rule measures over its window:
 * - `drift_share`: share of drifted columns (features and predictions) against the reference, 0..1;
 * - `metric_below` / `metric_above`: a performance metric from labelled feedback (accuracy, f1, rmse…);
 * - `error_rate_above`: failed requests / requests, 0..1;
 * - `p99_latency_above`: 99th-percentile request latency, ms.
 */
export type AlertKind = (typeof alertKinds)[number];

/** What a rule watches: a model reference (`churn@champion`) or a deployment by name. */
export type AlertTarget = { model: string } | { deployment: string };

export interface AlertRule {
  name: string;
  target: AlertTarget;
  kind: AlertKind;
  threshold: number;
  /** Length of the window the value is computed over, ms. */
  windowMs: number;
  /** The performance metric of `metric_below` / `metric_above`. */
  metric?: string;
  /** Drift reference (`--reference` of `mloop monitor report`); default the training data. */
  reference?: string;
  /** Count predictions of every version in the window, not only the resolved one's. */
  allVersions: boolean;
  /** Where firing and resolved alerts are POSTed as JSON. */
  webhookUrl?: string;
  /** After an alert fires, no new alert of this rule for this long, ms. */
  cooldownMs: number;
  enabled: boolean;
  description?: string;
  createdTime: number;
  updatedTime: number;
  /** The last evaluation, if any. */
  lastEvaluation?: {
    time: number;
    outcome: EvaluationOutcome;
    value?: number;
    message?: string;
  };
}

export interface AlertRuleInput {
  name: string;
  /** A model reference; exactly one of `model` and `deployment`. */
  model?: string | undefined;
  deployment?: string | undefined;
  kind: AlertKind;
  threshold: number;
  /** `1h`, `15m`, `7d`… */
  window: string;
  metric?: string | undefined;
  reference?: string | undefined;
  allVersions?: boolean | undefined;
  webhookUrl?: string | undefined;
  /** `30m`… (default 1h). */
  cooldown?: string | undefined;
  enabled?: boolean | undefined;
  description?: string | undefined;
}

export type AlertStatus = 'firing' | 'resolved';
export type WebhookStatus = 'none' | 'pending' | 'delivered' | 'failed';

export interface Alert {
  id: string;
  rule: string;
  target: AlertTarget;
  /** The registered model concerned (a deployment's model for deployment rules). */
  model: string;
  kind: AlertKind;
  value: number;
  threshold: number;
  status: AlertStatus;
  message: string;
  firedTime: number;
  resolvedTime?: number;
  resolvedValue?: number;
  webhook: { status: WebhookStatus; attempts: number; error?: string; time?: number };
}

/**
 * How one evaluation ended: `fired` (a new alert), `firing` (still above, alert open), `resolved`
 * (back within the threshold, alert closed), `ok`, `suppressed` (breached within the cooldown of
 * the last alert), `no_data` (nothing in the window to judge), `error` (the value could not be
 * computed; the message says why).
 */
export type EvaluationOutcome = 'fired' | 'firing' | 'resolved' | 'ok' | 'suppressed' | 'no_data' | 'error';

export interface Evaluation {
  rule: string;
  time: number;
  outcome: EvaluationOutcome;
  value?: number;
  threshold: number;
  message: string;
  /** The alert fired, still firing, or resolved by this evaluation. */
  alert?: Alert;
}

export interface ListAlertsInput {
  rule?: string | undefined;
  status?: AlertStatus | undefined;
  /** Alerts fired at or after, ms. */
  from?: number | undefined;
  /** Alerts fired before, ms. */
  to?: number | undefined;
  maxResults?: number | undefined;
}
