import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { eventually } from '../helpers/poll.js';
import { freshPostgresUrl, postgresAvailable } from '../helpers/postgres.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { modelWithVersions } from '../registry/model-factories.js';

/** The version `server` answers /predict of `model@champion` with now. */
async function servedVersion(server: ServerProcess, model: string): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/serving/${model}/predict?alias=champion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ records: [{ a: 1, b: 2 }] }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { model_version: string }).model_version;
}

async function moveAlias(server: ServerProcess, model: string, version: number): Promise<void> {
  const response = await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: model, alias: 'champion', version: String(version) }),
  });
  expect(response.status).toBe(200);
}

const redisUrl = testRedisUrl();
const setups = [
  // Three servers on one PostgreSQL: LISTEN/NOTIFY carries the moves.
  ...(postgresAvailable() ? [{ transport: 'PostgreSQL LISTEN/NOTIFY', servers: 3, redis: false }] : []),
  // Two servers on one SQLite file with a Redis: pub/sub carries them.
  ...(redisUrl ? [{ transport: 'Redis pub/sub', servers: 2, redis: true }] : []),
];

for (const setup of setups) {
  describe(`alias moves pushed to every server by ${setup.transport}`, () => {
    const home = tempDir('mloop-alias-push-');
    const artifactRoot = join(home, 'artifacts');
    const servers: ServerProcess[] = [];
    let model: string;

    beforeAll(async () => {
      const databaseUrl = setup.redis ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
      const platform = await openPlatform(loadConfig({ home, databaseUrl, artifactRoot }, {}, home));
      try {
        model = await modelWithVersions(platform, 3);
        await platform.registry.aliases.set(model, 'champion', 1);
      } finally {
        await platform.close();
      }
      const env = {
        MLOOP_DATABASE_URL: databaseUrl,
        MLOOP_ARTIFACT_ROOT: artifactRoot,
        ...(setup.redis ? { MLOOP_REDIS_URL: redisUrl! } : {}),
      };
      for (let i = 0; i < setup.servers; i++) servers.push(await startServer({ env }));
    }, 120_000);
    afterAll(async () => {
      for (const server of servers) await server.stop();
    });

    it('has every server serve the new version within one second of a move on any of them', async () => {
      for (const server of servers) expect(await servedVersion(server, model)).toBe('1');
      // Several moves, each made on another server: with the 2 s poll alone, every server landing
      // within a second each time would be luck (about one chance in sixty for three moves).
      for (const [i, version] of [2, 3, 1].entries()) {
        await moveAlias(servers[i % servers.length]!, model, version);
        // From the move's acknowledgement: it is committed then, and every server may learn of it.
        const movedAt = Date.now();
        const tookMs = await Promise.all(
          servers.map((server) =>
            eventually(
              async () =>
                (await servedVersion(server, model)) === String(version) ? Date.now() - movedAt : undefined,
              {
                what: `${server.url} serving version ${version}`,
                timeoutMs: 10_000,
                intervalMs: 10,
              },
            ),
          ),
        );
        expect(Math.max(...tookMs)).toBeLessThan(1000);
      }
    }, 60_000);
  });
}
