/** Row shapes of migration 0009-alerts, as the database returns them. */
export interface AlertRuleRow {
  name: string;
  target_kind: 'model' | 'deployment';
  target: string;
  kind: string;
  threshold: number;
  window_ms: number;
  metric: string | null;
  reference: string | null;
  all_versions: number;
  webhook_url: string | null;
  cooldown_ms: number;
  enabled: number;
  description: string | null;
  created_time: number;
  updated_time: number;
  last_evaluated_time: number | null;
  last_value: number | null;
  last_outcome: string | null;
  last_message: string | null;
}

export interface AlertRow {
  id: string;
  rule: string;
  target_kind: 'model' | 'deployment';
  target: string;
  model: string;
  kind: string;
  value: number;
  threshold: number;
  status: string;
  message: string;
  fired_time: number;
  resolved_time: number | null;
  resolved_value: number | null;
  webhook_status: string;
  webhook_attempts: number;
  webhook_error: string | null;
  webhook_time: number | null;
}

export interface AlertTables {
  alert_rules: AlertRuleRow;
  alerts: AlertRow;
}
