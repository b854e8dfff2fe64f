import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { alreadyExists, invalidParameter, notFound } from '../../core/errors.js';
import { parseModelRef } from '../../registry/model-ref.js';
import { performanceMetricNames } from '../performance/performance-report.js';
import { parseRelativeRange, parseWindowLength } from '../window-spec.js';
import type { AlertRuleRow, AlertTables } from './tables.js';
import {
  alertKinds,
  type AlertKind,
  type AlertRule,
  type AlertRuleInput,
  type Evaluation,
  type EvaluationOutcome,
} from './types.js';
import { WebhookTargets } from './webhook-target.js';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const defaultCooldownMs = 3_600_000;
/** Kinds whose value is a share, so a threshold outside 0..1 could never be crossed. */
const shareKinds: readonly AlertKind[] = ['drift_share', 'error_rate_above'];
export const metricKinds: readonly AlertKind[] = ['metric_below', 'metric_above'];

/** Alert rules: created, listed, enabled or disabled, deleted; and the state of their last evaluation. */
export class AlertRuleService {
  constructor(
    private readonly db: Kysely<AlertTables>,
    private readonly clock: Clock,
    private readonly webhooks: WebhookTargets = new WebhookTargets(),
  ) {}

  /** Creates a rule; its name must be new. Every field is checked here, so evaluation can trust it. */
  async create(input: AlertRuleInput): Promise<AlertRule> {
    const row = validRuleRow(input, this.clock.now());
    if (row.webhook_url !== null) await this.webhooks.check(row.webhook_url);
    const existing = await this.db
      .selectFrom('alert_rules')
      .select('name')
      .where('name', '=', row.name)
      .executeTakeFirst();
    if (existing) throw alreadyExists(`Alert rule '${row.name}' already exists`);
    await this.db.insertInto('alert_rules').values(row).execute();
    return fromRow(row);
  }

  async get(name: string): Promise<AlertRule> {
    const row = await this.db
      .selectFrom('alert_rules')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw notFound(`No alert rule named '${name}'`);
    return fromRow(row);
  }

  /** Every rule, by name; only the enabled ones when asked. */
  async list(options: { enabledOnly?: boolean } = {}): Promise<AlertRule[]> {
    let query = this.db.selectFrom('alert_rules').selectAll();
    if (options.enabledOnly) query = query.where('enabled', '=', 1);
    return (await query.orderBy('name', 'asc').execute()).map(fromRow);
  }

  async setEnabled(name: string, enabled: boolean): Promise<AlertRule> {
    await this.get(name);
    await this.db
      .updateTable('alert_rules')
      .set({ enabled: enabled ? 1 : 0, updated_time: this.clock.now() })
      .where('name', '=', name)
      .execute();
    return this.get(name);
  }

  /** Deletes a rule; its alerts stay readable. */
  async delete(name: string): Promise<void> {
    const result = await this.db.deleteFrom('alert_rules').where('name', '=', name).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`No alert rule named '${name}'`);
  }

  /** Keeps what the last evaluation found, for `list` and `get`. */
  async recordEvaluation(evaluation: Evaluation): Promise<void> {
    await this.db
      .updateTable('alert_rules')
      .set({
        last_evaluated_time: evaluation.time,
        last_value: evaluation.value ?? null,
        last_outcome: evaluation.outcome,
        last_message: evaluation.message,
      })
      .where('name', '=', evaluation.rule)
      .execute();
  }
}

function validRuleRow(input: AlertRuleInput, now: number): AlertRuleRow {
  if (!namePattern.test(input.name ?? '')) {
    throw invalidParameter(
      'name',
      'name must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
  if (!alertKinds.includes(input.kind)) {
    throw invalidParameter(
      'kind',
      `kind must be one of ${alertKinds.join(', ')}, got "${String(input.kind)}"`,
    );
  }
  const hasModel = input.model !== undefined && input.model !== '';
  const hasDeployment = input.deployment !== undefined && input.deployment !== '';
  if (hasModel === hasDeployment) {
    throw invalidParameter('model', 'give exactly one of model (NAME@ALIAS or NAME/VERSION) and deployment');
  }
  if (hasModel) parseModelRef(input.model!, 'model');
  if (typeof input.threshold !== 'number' || !Number.isFinite(input.threshold)) {
    throw invalidParameter('threshold', 'threshold must be a finite number');
  }
  if (shareKinds.includes(input.kind) && (input.threshold < 0 || input.threshold > 1)) {
    throw invalidParameter('threshold', `threshold of a ${input.kind} rule is a share, from 0 to 1`);
  }
  const metric = input.metric?.trim() || undefined;
  if (metricKinds.includes(input.kind) && !metric) {
    throw invalidParameter(
      'metric',
      `a ${input.kind} rule needs the metric it watches, e.g. accuracy, f1, auc or rmse`,
    );
  }
  if (metric && !(performanceMetricNames as readonly string[]).includes(metric)) {
    throw invalidParameter(
      'metric',
      `metric must be one of ${performanceMetricNames.join(', ')}, got "${metric}"`,
    );
  }
  if (!metricKinds.includes(input.kind) && metric) {
    throw invalidParameter('metric', `metric applies to metric_below and metric_above rules only`);
  }
  const reference = input.reference?.trim() || undefined;
  if (reference && input.kind !== 'drift_share') {
    throw invalidParameter('reference', 'reference applies to drift_share rules only');
  }
  if (reference?.startsWith('window:')) parseRelativeRange(reference.slice('window:'.length), 'reference');
  return {
    name: input.name,
    target_kind: hasModel ? 'model' : 'deployment',
    target: hasModel ? input.model! : input.deployment!,
    kind: input.kind,
    threshold: input.threshold,
    window_ms: parseWindowLength(input.window ?? '', 'window'),
    metric: metric ?? null,
    reference: reference ?? null,
    all_versions: input.allVersions ? 1 : 0,
    webhook_url: input.webhookUrl || null,
    cooldown_ms: cooldownMs(input.cooldown),
    enabled: input.enabled === false ? 0 : 1,
    description: input.description ?? null,
    created_time: now,
    updated_time: now,
    last_evaluated_time: null,
    last_value: null,
    last_outcome: null,
    last_message: null,
  };
}

function cooldownMs(text: string | undefined): number {
  if (text === undefined || text === '') return defaultCooldownMs;
  if (/^0+(ms|s|m|h|d|w)?$/.test(text.trim())) return 0;
  return parseWindowLength(text, 'cooldown');
}

function fromRow(row: AlertRuleRow): AlertRule {
  const rule: AlertRule = {
    name: row.name,
    target: row.target_kind === 'deployment' ? { deployment: row.target } : { model: row.target },
    kind: row.kind as AlertKind,
    threshold: Number(row.threshold),
    windowMs: Number(row.window_ms),
    allVersions: Number(row.all_versions) === 1,
    cooldownMs: Number(row.cooldown_ms),
    enabled: Number(row.enabled) === 1,
    createdTime: Number(row.created_time),
    updatedTime: Number(row.updated_time),
  };
  if (row.metric !== null) rule.metric = row.metric;
  if (row.reference !== null) rule.reference = row.reference;
  if (row.webhook_url !== null) rule.webhookUrl = row.webhook_url;
  if (row.description !== null) rule.description = row.description;
  if (row.last_evaluated_time !== null) {
    rule.lastEvaluation = {
      time: Number(row.last_evaluated_time),
      outcome: row.last_outcome as EvaluationOutcome,
      ...(row.last_value !== null ? { value: Number(row.last_value) } : {}),
      ...(row.last_message !== null ? { message: row.last_message } : {}),
    };
  }
  return rule;
}
