import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../examples/closed-loop/demo-server.js';
import { runClosedLoop, type StoryEvent } from '../examples/closed-loop/loop.js';
import { loadConfig } from '../src/core/config.js';
import { platformPipelineService } from '../src/pipelines/pipeline-services.js';
import { openPlatform, type Platform } from '../src/platform.js';
import { describeEachDialect } from './helpers/platform.js';
import { freshPostgresUrl } from './helpers/postgres.js';
import { tempDir } from './helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

// On PostgreSQL too: the pipeline the demo registers must land in the database the server reads.
describeEachDialect('the closed-loop demo', (dialect) => {
  let home: string;
  let server: DemoServer;
  let story: StoryEvent[];
  let platform: Platform;
  let seconds: number;

  beforeAll(async () => {
    home = tempDir('mloop-loop-');
    const databaseUrl = dialect === 'postgres' ? await freshPostgresUrl() : undefined;
    server = await startDemoServer(home, [TSX, MAIN], { databaseUrl });
    const started = Date.now();
    story = await runClosedLoop({ url: server.url, home, databaseUrl, workDir: join(home, 'data') });
    seconds = (Date.now() - started) / 1000;
    await server.stop();
    // Read what the server recorded from its store directly, after it stopped.
    platform = await openPlatform(loadConfig({ home, ...(databaseUrl ? { databaseUrl } : {}) }, {}));
  }, 180_000);
  afterAll(async () => {
    await platform?.close();
    await server?.stop();
  });

  it('tells every step in order, with links to the server', () => {
    expect(story.map((e) => e.step)).toEqual([
      'data',
      'train',
      'gate',
      'promote',
      'serve',
      'alert',
      'retrain',
      'gate',
      'canary',
      'promoted',
      'recovered',
    ]);
    for (const event of story) for (const link of event.links) expect(link.startsWith(server.url)).toBe(true);
    expect(seconds).toBeLessThan(120);
  });

  it('measured the retrained version as more accurate on winter, from delayed labels', async () => {
    const report = await platform.performance.report({ model: 'churn', from: 0, to: Date.now() + 1 });
    const accuracyOf = (version: number) =>
      report.overall.find((g) => g.version === version)?.classification?.accuracy ?? NaN;
    expect(accuracyOf(2)).toBeGreaterThan(0.85);
    const told = story.find((e) => e.step === 'recovered')!.facts.accuracy as Record<string, number>;
    expect(told['2']).toBeCloseTo(accuracyOf(2), 6);
    expect(told['2']!).toBeGreaterThan(told['1']!);
  });

  it('recorded both gate reports as passed on their versions', async () => {
    const [first] = await platform.registry.gates.reports('churn', 1);
    const [second] = await platform.registry.gates.reports('churn', 2);
    expect(first?.passed).toBe(true);
    expect(second?.passed).toBe(true);
    expect(second?.baseline).toEqual({ alias: 'production', version: 1 });
    expect(await platform.registry.gates.getGate('churn')).toBeDefined();
  });

  it('recorded the promotions: production to 1 by hand, then to 2 by the completed rollout', async () => {
    const history = (await platform.registry.aliases.history('churn', { alias: 'production' })).reverse();
    expect(history.map((p) => [p.fromVersion, p.toVersion])).toEqual([
      [undefined, 1],
      [1, 2],
    ]);
    expect(history[1]?.actor).toBe('mloop-rollout');
  });

  it('recorded the deployment canary and rollout events', async () => {
    const events = await platform.deployments.deployments.listEvents('churn');
    const kinds = events.map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['created', 'candidate-set', 'rollout-started', 'completed']),
    );
  });

  it('raised an alert from the seasonal shift and kept it', async () => {
    const alerts = await platform.monitoring.alerts.log.list({});
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.map((a) => a.rule)).toContain('churn-drift');
  });

  it('retrained through the pipeline the alert started, each step a tracked run', async () => {
    const retrain = story.find((e) => e.step === 'retrain')!;
    const pipelines = platformPipelineService(platform);
    const runs = await pipelines.listRuns('churn-retrain');
    // One run however many alerts fired together.
    expect(runs.map((r) => r.id)).toEqual([retrain.facts.pipelineRunId]);
    const pipelineRun = await pipelines.getRun(runs[0]!.id);
    expect(pipelineRun?.status).toBe('SUCCEEDED');
    expect(pipelineRun?.trigger.kind).toBe('alert');
    const alertIds = (await platform.monitoring.alerts.log.list({})).map((a) => a.id);
    expect(alertIds).toContain(pipelineRun?.trigger.detail.alertId);
    expect(pipelineRun?.steps.map((s) => [s.step, s.status])).toEqual([
      ['collect', 'SUCCEEDED'],
      ['train', 'SUCCEEDED'],
      ['gate', 'SUCCEEDED'],
      ['canary', 'SUCCEEDED'],
    ]);
    for (const step of pipelineRun?.steps ?? [])
      expect((await platform.tracking.runs.get(step.trackingRunId!)).info.status).toBe('FINISHED');
    // The training run names the pipeline run and the dataset version the labels became.
    const run = await platform.tracking.runs.get(retrain.facts.runId as string);
    expect(run.data.tags.find((t) => t.key === 'mloop.pipeline.run')?.value).toBe(pipelineRun?.id);
    expect(run.inputs.datasetInputs.map((d) => d.dataset.source)).toContainEqual(
      expect.stringContaining(String(retrain.facts.dataset).split('/')[0]!),
    );
    expect((await platform.registry.versions.get('churn', 2)).runId).toBe(run.info.runId);

    // And lineage answers "why does this model exist?": a v2 prediction leads to the alert.
    const { items } = await platform.serving.log.list({ model: 'churn', newestFirst: true, maxResults: 200 });
    const prediction = items.find((p) => p.version === 2)!;
    const graph = await platform.governance.lineage.graph('prediction', prediction.id);
    const node = graph.nodes.find((n) => n.kind === 'pipeline-run');
    expect(node?.id).toBe(`pipeline-run:${pipelineRun.id}`);
    expect(node?.attributes.trigger).toMatchObject({ kind: 'alert' });
    expect(graph.edges).toContainEqual({ from: `run:${run.info.runId}`, to: node?.id, relation: 'part_of' });
  });

  it('tracked the tuning trials and stored the feedback the retraining used', async () => {
    const train = story.find((e) => e.step === 'train')!;
    const parent = await platform.tracking.runs.get(train.facts.parentRunId as string);
    expect(parent.info.status).toBe('FINISHED');
    const labelled = await platform.feedback.labelled.page(
      { model: 'churn', from: 0, to: Date.now() + 1 },
      1000,
    );
    expect(labelled.items.length).toBeGreaterThanOrEqual(750);
  });
});
