import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ManualClock } from '../../src/core/clock.js';
import { startAlertScheduler } from '../../src/monitoring/alerts/alert-scheduler.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import {
  monitoredMetadata,
  registerMonitoredModel,
  servePredictions,
  testClock,
} from './monitoring-fixtures.js';
import { until } from '../helpers/poll.js';

describeEachDialect('alert scheduling and performance rules', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let model: string;

  beforeEach(async () => {
    clock = testClock();
    platform = await openTestPlatform(dialect, clock);
    model = await registerMonitoredModel(platform);
  });
  afterEach(async () => platform.close());

  it('evaluates enabled rules on its interval and leaves disabled ones alone', async () => {
    const { rules } = platform.monitoring.alerts;
    await rules.create({
      name: 'on',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 0,
      window: '1h',
    });
    await rules.create({
      name: 'off',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 0,
      window: '1h',
      enabled: false,
    });
    await servePredictions(platform, `${model}@champion`, 50);
    const scheduler = startAlertScheduler(platform.monitoring.alerts.evaluator, 25, platform.background);
    try {
      // One tick fires; a later tick sees the open alert and reports it still firing. Waiting for
      // 'fired' itself would race the next tick, which overwrites the rule's last evaluation.
      await until(async () => (await rules.get('on')).lastEvaluation?.outcome === 'firing');
    } finally {
      await scheduler.stop();
    }
    expect((await rules.get('off')).lastEvaluation).toBeUndefined();
    expect(await platform.monitoring.alerts.log.list({ rule: 'on' })).toHaveLength(1);
  });

  it('fires a metric_below rule from labelled feedback through the performance service', async () => {
    // Class labels as the graph's label output gives them (class indices), so labels match classes.
    model = await registerMonitoredModel(platform, { ...monitoredMetadata, classLabels: [0, 1] });
    await platform.monitoring.alerts.rules.create({
      name: 'accuracy',
      model: `${model}@champion`,
      kind: 'metric_below',
      metric: 'accuracy',
      threshold: 0.8,
      window: '1h',
    });
    expect((await platform.monitoring.alerts.evaluator.evaluate('accuracy')).outcome).toBe('no_data');
    // The ground truth says the opposite of every prediction: accuracy 0.
    const records = Array.from({ length: 20 }, (_, i) => ({ a: i % 2, b: 1 - (i % 2) }));
    const result = await platform.serving.predictions.predict({ ref: `${model}@champion`, records });
    await platform.serving.log.flush();
    await platform.feedback.labels.attach(
      result.predictions.map((p) => ({ predictionId: p.id, label: p.label === 1 ? 0 : 1 })),
    );
    const evaluation = await platform.monitoring.alerts.evaluator.evaluate('accuracy');
    expect(evaluation).toMatchObject({ outcome: 'fired', value: 0 });
    expect(evaluation.message).toMatch(/^accuracy 0 below 0.8 over 1h/);
  });
});
