import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/clock.js';
import type { DomainEvents } from '../../src/core/events.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import {
  registerMonitoredModel,
  servePredictions,
  testClock,
  writeReferenceCsv,
} from './monitoring-fixtures.js';
import { webhookReceiver } from '../helpers/webhook-receiver.js';

const minute = 60_000;

/** A URL nobody listens on: a server is started and closed to free its port. */
async function deadUrl(): Promise<string> {
  const receiver = await webhookReceiver();
  await receiver.close();
  return receiver.url;
}

describeEachDialect('alert rules', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let model: string;
  let reference: string;
  let fired: DomainEvents['monitoring.alert'][];

  beforeEach(async () => {
    clock = testClock();
    // The webhook receivers listen on loopback, which webhooks reach only when allowed.
    platform = await openTestPlatform(dialect, clock, { webhookAllowedHosts: ['127.0.0.1'] });
    model = await registerMonitoredModel(platform);
    reference = writeReferenceCsv(tempDir());
    fired = [];
    platform.events.on('monitoring.alert', (e) => fired.push(e));
  });
  afterEach(async () => platform.close());

  it('fires on drift, records the alert, posts the webhook and raises the event', async () => {
    const receiver = await webhookReceiver();
    try {
      await platform.monitoring.alerts.rules.create({
        name: 'churn-drift',
        model: `${model}@champion`,
        kind: 'drift_share',
        threshold: 0.3,
        window: '1h',
        reference,
        webhookUrl: receiver.url,
      });
      await servePredictions(platform, `${model}@champion`, 300, { shiftA: 2 });
      const evaluation = await platform.monitoring.alerts.evaluator.evaluate('churn-drift');
      expect(evaluation.outcome).toBe('fired');
      expect(evaluation.value).toBe(0.5);
      expect(evaluation.message).toMatch(/drifted \(a\)/);
      const alertId = evaluation.alert!.id;
      expect(fired).toEqual([
        { rule: 'churn-drift', model, kind: 'drift_share', value: 0.5, threshold: 0.3, alertId },
      ]);
      await platform.monitoring.alerts.evaluator.idle();
      expect(receiver.bodies).toHaveLength(1);
      expect(receiver.bodies[0]).toMatchObject({
        type: 'alert.fired',
        alert: { id: alertId, rule: 'churn-drift', model, value: 0.5, status: 'firing' },
        rule: { name: 'churn-drift', kind: 'drift_share', threshold: 0.3, window: '1h' },
      });
      const [stored] = await platform.monitoring.alerts.log.list({ rule: 'churn-drift' });
      expect(stored).toMatchObject({
        id: alertId,
        status: 'firing',
        webhook: { status: 'delivered', attempts: 1 },
      });

      // Still drifted: the open alert keeps firing, nothing new is sent.
      expect((await platform.monitoring.alerts.evaluator.evaluate('churn-drift')).outcome).toBe('firing');
      expect(fired).toHaveLength(1);
      const rule = await platform.monitoring.alerts.rules.get('churn-drift');
      expect(rule.lastEvaluation).toMatchObject({ outcome: 'firing', value: 0.5 });
    } finally {
      await receiver.close();
    }
  });

  it('resolves when the window is healthy again, and keeps quiet within the cooldown', async () => {
    await platform.monitoring.alerts.rules.create({
      name: 'slow',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 0,
      window: '10m',
      cooldown: '1h',
    });
    await servePredictions(platform, `${model}@champion`, 50);
    const first = await platform.monitoring.alerts.evaluator.evaluate('slow');
    expect(first.outcome).toBe('fired');
    expect(first.value).toBeGreaterThan(0);

    clock.advance(20 * minute);
    const quiet = await platform.monitoring.alerts.evaluator.evaluate('slow');
    expect(quiet.outcome).toBe('no_data');
    await platform.monitoring.alerts.rules.create({
      name: 'slow-resolver',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 1e9,
      window: '1h',
    });
    // A rule whose threshold is out of reach stays ok over the same data.
    expect((await platform.monitoring.alerts.evaluator.evaluate('slow-resolver')).outcome).toBe('ok');

    await servePredictions(platform, `${model}@champion`, 50);
    const again = await platform.monitoring.alerts.evaluator.evaluate('slow');
    expect(again.outcome).toBe('firing');

    const [open] = await platform.monitoring.alerts.log.list({ rule: 'slow', status: 'firing' });
    await platform.monitoring.alerts.log.resolve(open!.id, clock.now(), 0);
    const suppressed = await platform.monitoring.alerts.evaluator.evaluate('slow');
    expect(suppressed.outcome).toBe('suppressed');
    expect(fired).toHaveLength(1);

    clock.advance(61 * minute);
    await servePredictions(platform, `${model}@champion`, 50);
    expect((await platform.monitoring.alerts.evaluator.evaluate('slow')).outcome).toBe('fired');
    expect(fired).toHaveLength(2);
    expect(await platform.monitoring.alerts.log.list({ rule: 'slow' })).toHaveLength(2);
  });

  it('closes the alert when the value falls back within the threshold', async () => {
    await platform.monitoring.alerts.rules.create({
      name: 'errors',
      model: `${model}@champion`,
      kind: 'error_rate_above',
      threshold: 0.2,
      window: '1h',
    });
    await servePredictions(platform, `${model}@champion`, 100);
    for (let i = 0; i < 2; i++) {
      await expect(
        platform.serving.predictions.predict({ ref: `${model}@champion`, records: [{ a: 1 }] }),
      ).rejects.toThrow(/b/);
    }
    const breach = await platform.monitoring.alerts.evaluator.evaluate('errors');
    expect(breach).toMatchObject({ outcome: 'fired', value: 0.5 });
    clock.advance(2 * 60 * minute);
    await servePredictions(platform, `${model}@champion`, 100);
    const healthy = await platform.monitoring.alerts.evaluator.evaluate('errors');
    expect(healthy).toMatchObject({ outcome: 'resolved', value: 0 });
    expect(healthy.alert).toMatchObject({ status: 'resolved', resolvedValue: 0 });
  });

  it('records a failed webhook without failing the evaluation', async () => {
    await platform.monitoring.alerts.rules.create({
      name: 'hook-down',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 0,
      window: '1h',
      webhookUrl: await deadUrl(),
    });
    await servePredictions(platform, `${model}@champion`, 50);
    const evaluation = await platform.monitoring.alerts.evaluator.evaluate('hook-down');
    expect(evaluation.outcome).toBe('fired');
    expect(fired).toHaveLength(1);
    await platform.monitoring.alerts.evaluator.idle();
    const alert = await platform.monitoring.alerts.log.get(evaluation.alert!.id);
    expect(alert.webhook).toMatchObject({ status: 'failed', attempts: 3 });
    expect(alert.webhook.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('rejects rules that could never be evaluated, naming the field', async () => {
    const base = {
      name: 'r',
      model: `${model}@champion`,
      kind: 'drift_share' as const,
      threshold: 0.5,
      window: '1h',
    };
    const field = (input: object) =>
      platform.monitoring.alerts.rules
        .create({ ...base, ...input })
        .catch((e: { field?: string }) => e.field);
    expect(await field({ threshold: 2 })).toBe('threshold');
    expect(await field({ window: '60' })).toBe('window');
    expect(await field({ kind: 'metric_below' })).toBe('metric');
    expect(await field({ kind: 'metric_below', metric: 'vibes' })).toBe('metric');
    expect(await field({ webhookUrl: 'ftp://x' })).toBe('webhookUrl');
    expect(await field({ deployment: 'api' })).toBe('model');
    expect(await field({ model: 'no-alias' })).toBe('model');
    await platform.monitoring.alerts.rules.create(base);
    await expect(platform.monitoring.alerts.rules.create(base)).rejects.toThrow(/already exists/);
    expect((await platform.monitoring.alerts.rules.setEnabled('r', false)).enabled).toBe(false);
    expect(await platform.monitoring.alerts.evaluator.evaluateAll()).toEqual([]);
  });
});
