import type { Kysely } from 'kysely';
import { invalidParameter, notFound } from '../../core/errors.js';
import type { AlertRow, AlertTables } from './tables.js';
import type { Alert, AlertKind, AlertStatus, ListAlertsInput, WebhookStatus } from './types.js';

const defaultMaxResults = 100;
const maxMaxResults = 1000;

/** The alerts rules raised: one row per firing, resolved in place, with the webhook's delivery. */
export class AlertLog {
  constructor(private readonly db: Kysely<AlertTables>) {}

  async insert(alert: Alert): Promise<void> {
    await this.db.insertInto('alerts').values(toRow(alert)).execute();
  }

  async get(id: string): Promise<Alert> {
    const row = await this.db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`No alert with id '${id}'`);
    return fromRow(row);
  }

  /** The rule's open alert (for `model`, when given), if one is firing. */
  async firing(rule: string, model?: string): Promise<Alert | undefined> {
    let query = this.db.selectFrom('alerts').selectAll().where('rule', '=', rule);
    if (model !== undefined) query = query.where('model', '=', model);
    const row = await query.where('status', '=', 'firing').orderBy('fired_time', 'desc').executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** When the rule's newest alert fired, for its cooldown. */
  async lastFiredTime(rule: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('alerts')
      .select('fired_time')
      .where('rule', '=', rule)
      .orderBy('fired_time', 'desc')
      .executeTakeFirst();
    return row ? Number(row.fired_time) : undefined;
  }

  async resolve(id: string, time: number, value: number | undefined): Promise<Alert> {
    await this.db
      .updateTable('alerts')
      .set({ status: 'resolved', resolved_time: time, resolved_value: value ?? null })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  async recordDelivery(
    id: string,
    delivery: { status: WebhookStatus; attempts: number; error?: string | undefined; time: number },
  ): Promise<void> {
    await this.db
      .updateTable('alerts')
      .set({
        webhook_status: delivery.status,
        webhook_attempts: delivery.attempts,
        webhook_error: delivery.error ?? null,
        webhook_time: delivery.time,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Alerts newest first, optionally of one rule, one status, fired within [from, to). */
  async list(input: ListAlertsInput = {}): Promise<Alert[]> {
    const maxResults = input.maxResults ?? defaultMaxResults;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > maxMaxResults) {
      throw invalidParameter('maxResults', `maxResults must be an integer from 1 to ${maxMaxResults}`);
    }
    let query = this.db.selectFrom('alerts').selectAll();
    if (input.rule !== undefined) query = query.where('rule', '=', input.rule);
    if (input.status !== undefined) query = query.where('status', '=', input.status);
    if (input.from !== undefined) query = query.where('fired_time', '>=', input.from);
    if (input.to !== undefined) query = query.where('fired_time', '<', input.to);
    const rows = await query.orderBy('fired_time', 'desc').orderBy('id', 'desc').limit(maxResults).execute();
    return rows.map(fromRow);
  }
}

function toRow(alert: Alert): AlertRow {
  return {
    id: alert.id,
    rule: alert.rule,
    target_kind: 'deployment' in alert.target ? 'deployment' : 'model',
    target: 'deployment' in alert.target ? alert.target.deployment : alert.target.model,
    model: alert.model,
    kind: alert.kind,
    value: alert.value,
    threshold: alert.threshold,
    status: alert.status,
    message: alert.message,
    fired_time: alert.firedTime,
    resolved_time: alert.resolvedTime ?? null,
    resolved_value: alert.resolvedValue ?? null,
    webhook_status: alert.webhook.status,
    webhook_attempts: alert.webhook.attempts,
    webhook_error: alert.webhook.error ?? null,
    webhook_time: alert.webhook.time ?? null,
  };
}

function fromRow(row: AlertRow): Alert {
  const alert: Alert = {
    id: row.id,
    rule: row.rule,
    target: row.target_kind === 'deployment' ? { deployment: row.target } : { model: row.target },
    model: row.model,
    kind: row.kind as AlertKind,
    value: Number(row.value),
    threshold: Number(row.threshold),
    status: row.status as AlertStatus,
    message: row.message,
    firedTime: Number(row.fired_time),
    webhook: {
      status: row.webhook_status as WebhookStatus,
      attempts: Number(row.webhook_attempts),
      ...(row.webhook_error !== null ? { error: row.webhook_error } : {}),
      ...(row.webhook_time !== null ? { time: Number(row.webhook_time) } : {}),
    },
  };
  if (row.resolved_time !== null) alert.resolvedTime = Number(row.resolved_time);
  if (row.resolved_value !== null) alert.resolvedValue = Number(row.resolved_value);
  return alert;
}
