import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import type { DomainEvents } from '../../src/core/events.js';
import type { Evaluation } from '../../src/monitoring/alerts/types.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeEachDialect } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { registerMonitoredModel, servePredictions, testClock } from './monitoring-fixtures.js';
import { webhookReceiver } from '../helpers/webhook-receiver.js';

// Two servers on one database evaluating one rule at once (the leader's schedule and an "evaluate
// now" on another server, or a leader and its successor overlapping): the database keeps one open
// alert, so the breach raises one alert, one event and one webhook, whichever insert lands first.
describeEachDialect('one open alert across servers', (dialect) => {
  const clock = testClock();
  const servers: Platform[] = [];
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeEach(async () => {
    const home = tempDir('mloop-race-');
    const databaseUrl = dialect === 'sqlite' ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({ home, databaseUrl, webhookAllowedHosts: ['127.0.0.1'] }, {});
      servers.push(await openPlatform(config, { clock }));
    }
    receiver = await webhookReceiver();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await receiver.close();
  });

  it('two evaluators racing on one breach raise one alert', async () => {
    const [a, b] = servers as [Platform, Platform];
    const model = await registerMonitoredModel(a);
    await a.monitoring.alerts.rules.create({
      name: 'slow',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 0,
      window: '1h',
      webhookUrl: receiver.url,
    });
    await servePredictions(a, `${model}@champion`, 50);
    const events: DomainEvents['monitoring.alert'][] = [];
    for (const server of servers) server.events.on('monitoring.alert', (e) => events.push(e));

    // Server a reads "nothing open, nothing fired recently", then server b evaluates the whole
    // rule, then a goes on to insert: the interleaving a check-then-insert cannot survive.
    let bEvaluation: Evaluation | undefined;
    const lastFiredTime = a.monitoring.alerts.log.lastFiredTime.bind(a.monitoring.alerts.log);
    vi.spyOn(a.monitoring.alerts.log, 'lastFiredTime').mockImplementation(async (rule) => {
      const answer = await lastFiredTime(rule);
      bEvaluation = await b.monitoring.alerts.evaluator.evaluate('slow');
      return answer;
    });
    const aEvaluation = await a.monitoring.alerts.evaluator.evaluate('slow');

    expect(bEvaluation?.outcome).toBe('fired');
    expect(aEvaluation.outcome).toBe('firing');
    expect(aEvaluation.alert?.id).toBe(bEvaluation?.alert?.id);
    expect(await a.monitoring.alerts.log.list({ rule: 'slow' })).toHaveLength(1);
    expect(events).toHaveLength(1);
    for (const server of servers) await server.monitoring.alerts.evaluator.idle();
    expect(receiver.bodies).toHaveLength(1);
  });

  it("an error-rate rule on a model counts every server's requests", async () => {
    const [a, b] = servers as [Platform, Platform];
    const model = await registerMonitoredModel(a);
    await a.monitoring.alerts.rules.create({
      name: 'errors',
      model: `${model}@champion`,
      kind: 'error_rate_above',
      threshold: 0.2,
      window: '1h',
    });
    // The window opens on the evaluating server (its first look), then the other serves the traffic.
    expect((await a.monitoring.alerts.evaluator.evaluate('errors')).outcome).toBe('no_data');
    await servePredictions(b, `${model}@champion`, 100);
    for (let i = 0; i < 2; i++) {
      await expect(
        b.serving.predictions.predict({ ref: `${model}@champion`, records: [{ a: 1 }] }),
      ).rejects.toThrow(/b/);
    }
    // The other server publishes its counters within a second.
    await vi.waitFor(
      async () =>
        expect(await a.monitoring.alerts.evaluator.evaluate('errors')).toMatchObject({
          outcome: 'fired',
          value: 0.5,
        }),
      { timeout: 5_000, interval: 250 },
    );
  });

  it('a server that fails to insert for another reason still reports the error', async () => {
    const [a] = servers as [Platform, Platform];
    const model = await registerMonitoredModel(a);
    await a.monitoring.alerts.rules.create({
      name: 'slow',
      model: `${model}@champion`,
      kind: 'p99_latency_above',
      threshold: 0,
      window: '1h',
    });
    await servePredictions(a, `${model}@champion`, 50);
    vi.spyOn(a.monitoring.alerts.log, 'insert').mockRejectedValue(new Error('connection reset'));
    const evaluation = await a.monitoring.alerts.evaluator.evaluate('slow');
    expect(evaluation).toMatchObject({ outcome: 'error', message: 'connection reset' });
    expect(await a.monitoring.alerts.log.list({ rule: 'slow' })).toHaveLength(0);
  });
});
