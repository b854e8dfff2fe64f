import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../core/events.js';
import { isMloopError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logging.js';
import { formatWindowLength } from '../window-spec.js';
import type { AlertLog } from './alert-log.js';
import type { AlertRuleService } from './alert-rules.js';
import type { RuleValues } from './rule-values.js';
import type { Alert, AlertRule, Evaluation } from './types.js';
import { deliverWebhook, type WebhookOptions } from './webhook.js';

export interface AlertEvaluatorDependencies {
  rules: AlertRuleService;
  alerts: AlertLog;
  values: RuleValues;
  events: EventBus;
  clock: Clock;
  webhook?: WebhookOptions | undefined;
  logger?: Logger | undefined;
}

/** What a webhook receives when an alert fires or resolves. */
export interface AlertWebhookBody {
  type: 'alert.fired' | 'alert.resolved';
  alert: Alert;
  rule: { name: string; kind: string; threshold: number; window: string; target: AlertRule['target'] };
}

/**
 * Evaluates alert rules: computes a rule's value over its window, and
 * - above its threshold (below, for `metric_below`) with no alert open: fires a new alert unless
 *   the last one fired within the cooldown; records it, emits `monitoring.alert`, POSTs the webhook;
 * - back within it with an alert open: resolves the alert and tells the webhook.
 * Webhooks are delivered in the background with retries; their outcome is recorded on the alert
 * and never fails the evaluation. Evaluations of one rule run one at a time, so a scheduled one
 * and an "evaluate now" cannot both fire.
 */
export class AlertEvaluator {
  private readonly deliveries = new Set<Promise<void>>();
  private readonly running = new Map<string, Promise<Evaluation>>();

  constructor(private readonly deps: AlertEvaluatorDependencies) {}

  /** Evaluates one rule by name now (enabled or not). */
  async evaluate(name: string): Promise<Evaluation> {
    const previous = this.running.get(name);
    const next = (async () => {
      await previous?.catch(() => undefined);
      return this.evaluateRule(await this.deps.rules.get(name));
    })();
    this.running.set(name, next);
    try {
      return await next;
    } finally {
      if (this.running.get(name) === next) this.running.delete(name);
    }
  }

  /** Evaluates every enabled rule, one after another; one rule's failure does not stop the others. */
  async evaluateAll(): Promise<Evaluation[]> {
    const evaluations: Evaluation[] = [];
    for (const rule of await this.deps.rules.list({ enabledOnly: true })) {
      try {
        evaluations.push(await this.evaluate(rule.name));
      } catch (error) {
        // The rule was deleted meanwhile, or the database failed: log and go on.
        this.deps.logger?.warn({ err: error, rule: rule.name }, 'alert rule evaluation failed');
      }
    }
    return evaluations;
  }

  /** Waits until every webhook delivery started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  private async evaluateRule(rule: AlertRule): Promise<Evaluation> {
    const time = this.deps.clock.now();
    const base = { rule: rule.name, time, threshold: rule.threshold };
    let evaluation: Evaluation;
    try {
      const computed = await this.deps.values.compute(rule);
      const open = await this.deps.alerts.firing(rule.name);
      if ('noData' in computed) {
        evaluation = {
          ...base,
          outcome: 'no_data',
          message: computed.noData,
          ...(open ? { alert: open } : {}),
        };
      } else if (breached(rule, computed.value)) {
        const message = `${describeBreach(rule, computed.value)}: ${computed.detail}`;
        const last = open ? undefined : await this.deps.alerts.lastFiredTime(rule.name);
        if (open) {
          evaluation = { ...base, outcome: 'firing', value: computed.value, message, alert: open };
        } else if (last !== undefined && time - last < rule.cooldownMs) {
          evaluation = {
            ...base,
            outcome: 'suppressed',
            value: computed.value,
            message: `${message} (within the ${formatWindowLength(rule.cooldownMs)} cooldown of the alert fired at ${new Date(last).toISOString()})`,
          };
        } else {
          const { alert, fired } = await this.fire(rule, computed.model, computed.value, message, time);
          evaluation = {
            ...base,
            outcome: fired ? 'fired' : 'firing',
            value: computed.value,
            message,
            alert,
          };
        }
      } else {
        const message = `${rule.kind} ${formatValue(computed.value)} within threshold ${rule.threshold}: ${computed.detail}`;
        if (open) {
          const resolved = await this.deps.alerts.resolve(open.id, time, computed.value);
          this.notify(rule, resolved, 'alert.resolved');
          evaluation = { ...base, outcome: 'resolved', value: computed.value, message, alert: resolved };
        } else {
          evaluation = { ...base, outcome: 'ok', value: computed.value, message };
        }
      }
    } catch (error) {
      if (!isMloopError(error))
        this.deps.logger?.error({ err: error, rule: rule.name }, 'alert rule value failed');
      evaluation = {
        ...base,
        outcome: 'error',
        message: error instanceof Error ? error.message : String(error),
      };
    }
    await this.deps.rules.recordEvaluation(evaluation);
    return evaluation;
  }

  private async fire(
    rule: AlertRule,
    model: string,
    value: number,
    message: string,
    time: number,
  ): Promise<{ alert: Alert; fired: boolean }> {
    const alert: Alert = {
      id: newId('alert'),
      rule: rule.name,
      target: rule.target,
      model,
      kind: rule.kind,
      value,
      threshold: rule.threshold,
      status: 'firing',
      message,
      firedTime: time,
      webhook: { status: rule.webhookUrl ? 'pending' : 'none', attempts: 0 },
    };
    try {
      await this.deps.alerts.insert(alert);
    } catch (error) {
      // The database keeps one open alert per rule and model: another evaluator (another server)
      // raised it between our read and this insert. That alert is the answer; it was announced.
      const open = await this.deps.alerts.firing(rule.name, model);
      if (open) return { alert: open, fired: false };
      throw error;
    }
    this.deps.events.emit('monitoring.alert', {
      rule: rule.name,
      model,
      kind: rule.kind,
      value,
      threshold: rule.threshold,
      alertId: alert.id,
      ...('deployment' in rule.target ? { deployment: rule.target.deployment } : {}),
    });
    this.notify(rule, alert, 'alert.fired');
    return { alert, fired: true };
  }

  /** Starts the webhook delivery in the background; its outcome lands on the alert's row. */
  private notify(rule: AlertRule, alert: Alert, type: AlertWebhookBody['type']): void {
    const url = rule.webhookUrl;
    if (!url) return;
    const body: AlertWebhookBody = {
      type,
      alert,
      rule: {
        name: rule.name,
        kind: rule.kind,
        threshold: rule.threshold,
        window: formatWindowLength(rule.windowMs),
        target: rule.target,
      },
    };
    const delivery = (async () => {
      const outcome = await deliverWebhook(url, body, this.deps.webhook);
      if (!outcome.ok) {
        this.deps.logger?.warn(
          { rule: rule.name, alert: alert.id, error: outcome.error },
          'alert webhook failed',
        );
      }
      await this.deps.alerts
        .recordDelivery(alert.id, {
          status: outcome.ok ? 'delivered' : 'failed',
          attempts: outcome.attempts,
          error: outcome.error,
          time: this.deps.clock.now(),
        })
        .catch((error: unknown) =>
          this.deps.logger?.error({ err: error }, 'could not record webhook delivery'),
        );
    })();
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }
}

function breached(rule: AlertRule, value: number): boolean {
  return rule.kind === 'metric_below' ? value < rule.threshold : value > rule.threshold;
}

function describeBreach(rule: AlertRule, value: number): string {
  const what = rule.metric ?? rule.kind.replace(/_(above|below)$/, '');
  const direction = rule.kind === 'metric_below' ? 'below' : 'above';
  return `${what} ${formatValue(value)} ${direction} ${rule.threshold} over ${formatWindowLength(rule.windowMs)}`;
}

function formatValue(value: number): string {
  return Number(value.toPrecision(4)).toString();
}
