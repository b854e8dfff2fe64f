import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import { PipelineScheduler } from '../../src/pipelines/triggers/pipeline-scheduler.js';
import { triggerByWebhook } from '../../src/pipelines/triggers/webhook.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { until } from '../helpers/poll.js';

const yaml = (name: string, triggers: string) => `
name: ${name}
triggers:
${triggers}
steps:
  hello:
    command: echo hello
`;

describeEachDialect('pipeline triggers', (dialect) => {
  let platform: Platform;
  let pipelines: PipelineService;
  let scheduler: PipelineScheduler;
  const clock = new ManualClock(Date.parse('2026-03-02T08:59:30Z'));
  beforeAll(async () => {
    platform = await openTestPlatform(dialect, clock);
    pipelines = platformPipelineService(platform);
    const register = (text: string) =>
      pipelines.register(parsePipelineYaml(text), { kind: 'yaml', path: '', text });
    await register(yaml('nightly', '  cron: "0 9 * * *"'));
    // 10:00 in Berlin is 09:00 UTC in March: both cron pipelines are due at the same tick.
    await register(yaml('berlin', '  cron: {schedule: "0 10 * * MON", timezone: Europe/Berlin}'));
    await register(yaml('on-data', '  datasets: [churn]'));
    await register(yaml('on-alert', '  alerts: [{rule: churn-drift}]'));
    await register(
      yaml('on-alert-slow', '  alerts: [{model: fraud}]').replace('echo hello', 'sleep 0.5; echo hello'),
    );
    await register(yaml('from-ci', '  webhook: {secret_env: TEST_CI_SECRET}'));
    scheduler = new PipelineScheduler(pipelines, {
      clock,
      events: platform.events,
      duties: platform.background,
    }).start(3_600_000);
  });
  afterAll(async () => {
    await scheduler.stop();
    await platform.close();
  });

  // Waits on the run's row, not on scheduler.started: the row is there as the run starts, before
  // the scheduler holds its handle, and a test that went on with the run still going made the
  // next test's trigger skip it as "already running" (which read as a launch taking > 10 s).
  const lastRun = async (name: string) => {
    const [latest] = await pipelines.listRuns(name, 1);
    if (!latest) return undefined;
    await until(async () => (await pipelines.getRun(latest.id)).status !== 'RUNNING');
    return pipelines.getRun(latest.id);
  };

  it('starts a cron pipeline once its minute has passed, recording the schedule', async () => {
    await scheduler.tick();
    expect(await lastRun('nightly')).toBeUndefined();
    clock.advance(60_000);
    await scheduler.tick();
    clock.advance(60_000);
    await scheduler.tick(); // 09:01: no second run
    const runs = await pipelines.listRuns('nightly', 10);
    expect(runs).toHaveLength(1);
    const run = await lastRun('nightly');
    expect(run!.trigger).toEqual({
      kind: 'cron',
      detail: { schedule: '0 9 * * *', scheduledTime: '2026-03-02T09:00:00.000Z' },
    });
    expect(run!.status).toBe('SUCCEEDED');
  });

  it('starts a cron pipeline at its time in its time zone, recording the zone', async () => {
    // The previous test's ticks passed 09:00 UTC, 10:00 in Berlin.
    expect(await pipelines.listRuns('berlin', 10)).toHaveLength(1);
    expect((await lastRun('berlin'))!.trigger).toEqual({
      kind: 'cron',
      detail: {
        schedule: '0 10 * * MON',
        timezone: 'Europe/Berlin',
        scheduledTime: '2026-03-02T09:00:00.000Z',
      },
    });
  });

  it('starts a pipeline on a new version of its dataset', async () => {
    platform.events.emit('data.version-added', { name: 'other', version: 1, digest: 'aa' });
    platform.events.emit('data.version-added', { name: 'churn', version: 4, digest: 'bb' });
    await until(async () => (await pipelines.listRuns('on-data', 5)).length === 1);
    expect((await lastRun('on-data'))!.trigger).toEqual({
      kind: 'dataset',
      detail: { name: 'churn', version: 4, digest: 'bb' },
    });
  });

  it('starts a pipeline when a dataset version is added through the dataset service', async () => {
    const file = join(tempDir(), 'churn.csv');
    writeFileSync(file, 'age,churned\n30,0\n41,1\n');
    const added = await platform.data.datasets.add('churn', file);
    await until(async () => (await pipelines.listRuns('on-data', 5)).length === 2);
    // The manual clock stands still, so both runs share a start time: look for this one's trigger.
    const triggers = (await pipelines.listRuns('on-data', 5)).map((r) => r.trigger);
    expect(triggers).toContainEqual({
      kind: 'dataset',
      detail: { name: 'churn', version: added.version.version, digest: added.version.digest },
    });
  });

  it('starts a pipeline on an alert of a matching rule', async () => {
    const alert = { model: 'churn', kind: 'drift', value: 0.4, threshold: 0.2, alertId: 'al_1' };
    platform.events.emit('monitoring.alert', { ...alert, rule: 'other-rule' });
    platform.events.emit('monitoring.alert', { ...alert, rule: 'churn-drift' });
    await until(async () => (await pipelines.listRuns('on-alert', 5)).length === 1);
    expect((await lastRun('on-alert'))!.trigger).toMatchObject({
      kind: 'alert',
      detail: { rule: 'churn-drift', alertId: 'al_1' },
    });
  });

  it('starts one run for a burst of alerts, and another once that run has ended', async () => {
    const alert = { model: 'fraud', kind: 'drift', value: 0.4, threshold: 0.2 };
    platform.events.emit('monitoring.alert', { ...alert, rule: 'fraud-drift', alertId: 'al_2' });
    platform.events.emit('monitoring.alert', { ...alert, rule: 'fraud-accuracy', alertId: 'al_3' });
    await until(async () => (await lastRun('on-alert-slow'))?.status === 'SUCCEEDED');
    const runs = await pipelines.listRuns('on-alert-slow', 5);
    // Whichever alert of the burst arrives first starts the run; the other is skipped.
    expect(runs).toHaveLength(1);
    const first = runs[0]!.trigger.detail.alertId as string;
    expect(['al_2', 'al_3']).toContain(first);
    platform.events.emit('monitoring.alert', { ...alert, rule: 'fraud-drift', alertId: 'al_4' });
    await until(async () => (await pipelines.listRuns('on-alert-slow', 5)).length === 2);
    // The manual clock gives both runs one start time, so compare as a set.
    const again = await pipelines.listRuns('on-alert-slow', 5);
    expect(again.map((r) => r.trigger.detail.alertId).sort()).toEqual([first, 'al_4'].sort());
  });

  it('starts a pipeline from a webhook with the right secret, recording commit and ref', async () => {
    const env = { TEST_CI_SECRET: 's3cret' };
    await expect(triggerByWebhook(pipelines, 'from-ci', { secret: 'wrong' }, env)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(triggerByWebhook(pipelines, 'nightly', { secret: 's3cret' }, env)).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    const handle = await triggerByWebhook(
      pipelines,
      'from-ci',
      { secret: 's3cret', commit: 'abc123', ref: 'refs/heads/main' },
      env,
    );
    const run = await handle.done;
    expect(run.trigger).toEqual({ kind: 'webhook', detail: { commit: 'abc123', ref: 'refs/heads/main' } });
  });

  it('skips a stored cron trigger it cannot read and still starts the other schedules', async () => {
    // As if stored by an older version that accepted it: registration would refuse it today.
    await pipelines.store.savePipeline(
      'unreadable-cron',
      { triggers: { cron: ['61 * * * *', { schedule: '@daily', timezone: 'Nowhere/Town' }] } },
      { kind: 'yaml', path: '', text: '' },
    );
    clock.advance(24 * 3_600_000); // Tuesday 09:01: nightly is due again
    await expect(scheduler.tick()).resolves.toBeUndefined();
    await until(async () => (await pipelines.listRuns('nightly', 10)).length === 2);
    expect(await pipelines.listRuns('unreadable-cron', 10)).toHaveLength(0);
  });

  it('records manual runs as manual', async () => {
    const run = await (await pipelines.start('from-ci')).done;
    expect(run.trigger).toEqual({ kind: 'manual', detail: {} });
  });
});
