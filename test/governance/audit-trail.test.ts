import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { actingAs } from '../../src/core/acting-as.js';
import { defaultChangeKinds } from '../../src/core/audit-trail.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AuditEntry } from '../../src/governance/audit.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { readPipelineFile } from '../../src/pipelines/load-source.js';
import type { Platform } from '../../src/platform.js';
import { createDeploymentServices } from '../../src/serving/deployments/deployment-services.js';
import { runMloop } from '../helpers/cli.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { trainedRun, unique } from '../registry/model-factories.js';
import { FakeModelVersions } from '../serving/fake-model-versions.js';

const definitionModule = fileURLToPath(new URL('../../src/pipelines/definition.ts', import.meta.url));

describeEachDialect('audit trail of changes, whichever way they come in', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let app: App;
  let admin: string;

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    platform = await openTestPlatform(dialect, clock);
    app = await buildServer(platform, { logger: false, auth: true });
    admin = (await platform.governance.tokens.create({ name: 'alice-laptop', user: 'alice', admin: true }))
      .secret;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const entriesAbout = async (object: string): Promise<AuditEntry[]> =>
    platform.governance.audit.list({ object });

  it('records registration and alias moves made with the embedded CLI, as the OS user', async () => {
    const { runId } = await trainedRun(platform);
    const model = unique('cli-model');
    const home = platform.config.home;
    // The CLI opens the same store: the home's SQLite file, or the PostgreSQL database by URL.
    const cli = (args: string[]) => {
      const saved = process.env.MLOOP_DATABASE_URL;
      process.env.MLOOP_DATABASE_URL = platform.config.databaseUrl;
      const running = runMloop(home, args, { home, unset: ['MLOOP_USER'] });
      if (saved === undefined) delete process.env.MLOOP_DATABASE_URL;
      else process.env.MLOOP_DATABASE_URL = saved;
      return running;
    };
    for (const args of [
      ['models', 'register', '--run', runId, '--path', 'model', model],
      ['models', 'alias', model, 'champion', '1', '--reason', 'best AUC'],
    ]) {
      const result = await cli(args);
      expect(result.code, result.stderr).toBe(0);
    }
    const entries = await entriesAbout(`model/${model}`);
    expect(entries.map((e) => e.action)).toEqual(['model.create', 'model.register', 'alias.set']);
    for (const e of entries)
      expect(e).toMatchObject({ actor: userInfo().username, method: 'cli', outcome: 'ok' });
    expect(entries[2]).toMatchObject({
      kind: 'alias',
      after: { alias: 'champion', version: 1, reason: 'best AUC' },
    });

    const listed = await cli(['audit', '--kind', 'alias', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const aliases = JSON.parse(listed.stdout) as AuditEntry[];
    expect(aliases.length).toBeGreaterThan(0);
    expect(aliases.every((e) => e.kind === 'alias')).toBe(true);
    const verified = await cli(['audit', 'verify']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 60_000);

  it('records an HTTP change once, as the token owner, and keeps metric logging out of the default view', async () => {
    const model = unique('http-model');
    const headers = { authorization: `Bearer ${admin}` };
    const created = await app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/registered-models/create',
      headers,
      payload: { name: model },
    });
    expect(created.statusCode, created.body).toBe(200);
    const entries = await entriesAbout(`model/${model}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      kind: 'model',
      action: 'model.create',
      actor: 'alice',
      method: 'POST',
      path: '/api/2.0/mlflow/registered-models/create',
      before: { token: 'alice-laptop', project: 'default' },
    });

    const experimentId = await platform.tracking.experiments.create({ name: unique('metrics') });
    const run = await platform.tracking.runs.create({ experimentId });
    for (let step = 0; step < 5; step++) {
      const logged = await app.inject({
        method: 'POST',
        url: '/api/2.0/mlflow/runs/log-metric',
        headers,
        payload: { run_id: run.info.runId, key: 'loss', value: 1 / (step + 1), timestamp: 1, step },
      });
      expect(logged.statusCode, logged.body).toBe(200);
    }
    // Run and metric writes are recorded once the answer has left: wait for the last one.
    const deadline = Date.now() + 10_000;
    let tracking: AuditEntry[] = [];
    while (tracking.length < 5 && Date.now() < deadline) {
      tracking = await platform.governance.audit.list({ kinds: ['tracking'], object: run.info.runId });
      if (tracking.length < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(tracking).toHaveLength(5);
    expect(tracking[0]).toMatchObject({
      actor: 'alice',
      action: 'runs.write',
      path: '/api/2.0/mlflow/runs/log-metric',
    });
    const shown = await platform.governance.audit.list({ kinds: defaultChangeKinds });
    expect(shown.some((e) => e.kind === 'tracking')).toBe(false);
    expect(shown.some((e) => e.action === 'model.create' && e.objectId === model)).toBe(true);
    const byKind = await app.inject({
      url: '/api/v1/audit?kind=model,alias',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(byKind.statusCode, byKind.body).toBe(200);
    const kinds = new Set((byKind.json() as { entries: AuditEntry[] }).entries.map((e) => e.kind));
    expect([...kinds].every((k) => k === 'model' || k === 'alias')).toBe(true);
  });

  it('names the rollout controller for the steps it takes, and the person for starting it', async () => {
    const services = createDeploymentServices({
      database: platform.database,
      clock,
      events: platform.events,
      versions: new FakeModelVersions(3, { production: 1 }),
      audit: platform.governance.audit,
    });
    const name = unique('rollout');
    await actingAs({ actor: 'alice', via: 'http' }, async () => {
      await services.deployments.create({
        name,
        model: 'churn',
        candidate: { version: '2', mode: 'canary' },
      });
      await services.rollouts.start(name, { steps: [5, 100], minRequests: 10, minDurationMs: 0 });
    });
    for (let i = 0; i < 20; i++) services.armStats.record(name, 'candidate', 20, true);
    clock.advance(60_000);
    await services.rollouts.evaluate();
    const entries = await entriesAbout(`deployment/${name}`);
    expect(entries.slice(0, 2).map((e) => [e.actor, e.kind])).toEqual([
      ['alice', 'deployment'],
      ['alice', 'deployment'],
    ]);
    expect(entries.length).toBeGreaterThan(2);
    for (const e of entries.slice(2)) expect(e).toMatchObject({ actor: 'system:rollout', method: 'system' });
  });

  it('names the pipeline for what its steps change, with who started the run', async () => {
    const model = unique('from-pipeline');
    const file = join(tempDir('mloop-audit-pipe-'), 'pipeline.mts');
    (globalThis as Record<string, unknown>).auditTestPlatform = platform;
    writeFileSync(
      file,
      `import { pipeline } from ${JSON.stringify(definitionModule)};
export default pipeline('audited-${model}').step('register', {
  run: async () => {
    await (globalThis as any).auditTestPlatform.registry.models.create({ name: ${JSON.stringify(model)} });
    return {};
  },
});
`,
    );
    const pipelines = platformPipelineService(platform);
    const { definition, source } = await readPipelineFile(file);
    const run = await actingAs({ actor: 'alice', via: 'http' }, async () => {
      await pipelines.register(definition, source);
      return (await pipelines.start(definition.name, { noCache: true })).done;
    });
    expect(run.status).toBe('SUCCEEDED');
    const [created] = await entriesAbout(`model/${model}`);
    expect(created).toMatchObject({
      actor: `pipeline:${definition.name}`,
      method: 'pipeline',
      before: { startedBy: 'alice', trigger: 'manual' },
    });
    const started = await entriesAbout(`pipeline/${definition.name}`);
    expect(started.map((e) => [e.action, e.actor])).toEqual([
      ['pipeline.register', 'alice'],
      ['pipeline.run', 'alice'],
    ]);
  }, 60_000);
});
