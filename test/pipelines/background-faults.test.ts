import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

const onData = `
name: on-data
triggers:
  datasets: [churn]
steps:
  hello:
    command: echo hello
`;

describeEachDialect('background duties under store faults', (dialect) => {
  let platform: Platform;
  let app: App;
  let pipelines: PipelineService;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    pipelines = platformPipelineService(platform);
    await pipelines.register(parsePipelineYaml(onData), { kind: 'yaml', path: '', text: onData });
    app = await buildServer(platform, { logger: false, auth: false });
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const errorsOf = async (duty: string): Promise<number> => {
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const line = body.split('\n').find((l) => l.startsWith(`mloop_background_errors_total{duty="${duty}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('a trigger whose store call fails is counted on /metrics and retried until it starts the run', async () => {
    const db = platform.database.tables<unknown>();
    // The store "goes away" for the pipelines table: the dataset trigger's read rejects.
    await sql`alter table pipelines rename to pipelines_away`.execute(db);
    platform.events.emit('data.version-added', { name: 'churn', version: 1, digest: 'd1' });
    await vi.waitFor(async () => expect(await errorsOf('dataset-triggers')).toBeGreaterThanOrEqual(1), {
      timeout: 10_000,
      interval: 50,
    });
    // Still serving while the duty fails.
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await sql`alter table pipelines_away rename to pipelines`.execute(db);
    await vi.waitFor(
      async () => {
        const [run] = await pipelines.listRuns('on-data', 1);
        expect(run?.trigger.kind).toBe('dataset');
        expect(run?.status).toBe('SUCCEEDED');
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});
