import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { GovernanceClient } from '../../src/sdk/governance.js';
import { HttpClient } from '../../src/sdk/http.js';
import { runMloop } from '../helpers/cli.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

describeEachDialect('assigning objects to projects (SDK and CLI)', (dialect) => {
  let platform: Platform;
  let app: App;
  let client: GovernanceClient;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    app = await buildServer(platform, { logger: false, auth: true });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const admin = await platform.governance.tokens.create({ name: 'root', user: 'root', admin: true });
    client = new GovernanceClient(
      new HttpClient({ url, headers: { authorization: `Bearer ${admin.secret}` } }),
    );
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it('moves an experiment (by name) and a model into a project with the SDK, and lists them', async () => {
    const experimentId = await platform.tracking.experiments.create({ name: 'fraud-training' });
    expect(await client.assign('fraud', 'experiment', 'fraud-training')).toEqual({
      project: 'fraud',
      kind: 'experiment',
      key: experimentId,
    });
    await client.assign('fraud', 'model', 'fraud-detector');
    expect(await client.projectObjects('fraud')).toEqual([
      { project: 'fraud', kind: 'experiment', key: experimentId },
      { project: 'fraud', kind: 'model', key: 'fraud-detector' },
    ]);
    // `default` takes an object back out.
    await client.assign('default', 'model', 'fraud-detector');
    expect((await client.projectObjects('fraud')).map((o) => o.kind)).toEqual(['experiment']);
    const entries = await platform.governance.audit.list({ object: 'model/fraud-detector' });
    expect(entries.map((e) => [e.action, e.after])).toEqual([
      ['access.object-assign', { project: 'fraud' }],
      ['access.object-assign', { project: 'default' }],
    ]);
  });

  // The CLI's embedded store is the home's SQLite file.
  it.runIf(dialect === 'sqlite')('moves a dataset into a project with mloop projects assign', async () => {
    const home = platform.config.home;
    const saved = process.env.MLOOP_DATABASE_URL;
    process.env.MLOOP_DATABASE_URL = platform.config.databaseUrl;
    const result = await runMloop(home, ['projects', 'assign', 'dataset', 'transactions', 'fraud', '--json']);
    if (saved === undefined) delete process.env.MLOOP_DATABASE_URL;
    else process.env.MLOOP_DATABASE_URL = saved;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ project: 'fraud', kind: 'dataset', key: 'transactions' });
    expect(await platform.governance.projects.projectOf('dataset', 'transactions')).toBe('fraud');
  });
});
