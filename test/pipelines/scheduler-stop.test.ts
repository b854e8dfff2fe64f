import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { PipelineScheduler } from '../../src/pipelines/triggers/pipeline-scheduler.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { until } from '../helpers/poll.js';

const slow = `
name: slow-retrain
triggers:
  alerts: [{rule: drift}]
steps:
  train:
    command: sleep 120
`;

describeEachDialect('stopping the pipeline scheduler', (dialect) => {
  let platform: Platform;
  let pipelines: PipelineService;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    pipelines = platformPipelineService(platform);
    await pipelines.register(parsePipelineYaml(slow), { kind: 'yaml', path: '', text: slow });
  });
  afterAll(async () => {
    await platform.close();
  });

  it('waits for the runs it started no longer than its grace period, and names those still going', async () => {
    const scheduler = new PipelineScheduler(pipelines, {
      clock: platform.clock,
      events: platform.events,
      duties: platform.background,
    }).start(3_600_000);
    platform.events.emit('monitoring.alert', {
      rule: 'drift',
      model: 'churn',
      kind: 'drift',
      value: 0.4,
      threshold: 0.2,
      alertId: 'alert-1',
    });
    await until(() => scheduler.started.length === 1, { what: 'the alert to start a run' });
    const run = scheduler.started[0]!;
    await until(async () => (await pipelines.getRun(run.id)).status === 'RUNNING', {
      what: 'the run to start',
    });
    const stopping = Date.now();
    expect(await scheduler.stop(300)).toEqual([run.id]);
    expect(Date.now() - stopping).toBeLessThan(5_000);
    await pipelines.cancel(run.id);
    await run.done;
  });
});
