import { afterEach, beforeAll, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { pythonAvailable } from '../helpers/python.js';
import { makeOnnxModels, registerOnnxModels, type ModelName, type OnnxModels } from './onnx-models.js';
import { until } from '../helpers/poll.js';

const versionDirs: ModelName[] = ['columns-v1', 'columns-v2', 'columns-v3', 'columns-v4'];

interface Observation {
  version: number;
  labels: string[];
}

/**
 * Clients that each send requests one after another until stopped or `maxRequests` in all, and
 * record every answer (or failure).
 */
function startLoad(app: App, models: OnnxModels, clients: number, maxRequests: number) {
  const seen: Observation[][] = Array.from({ length: clients }, () => []);
  const failures: string[] = [];
  let sent = 0;
  let stopped = false;
  const runClient = async (client: number) => {
    while (!stopped && sent < maxRequests) {
      sent += 1;
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/serving/iris/predict?alias=champion',
        payload: { records: models.expected.rows },
      });
      if (res.statusCode !== 200) {
        failures.push(`${res.statusCode} ${res.body}`);
        continue;
      }
      const body = res.json<{ model_version: string; predictions: Array<{ label: string }> }>();
      seen[client]?.push({
        version: Number(body.model_version),
        labels: body.predictions.map((p) => p.label),
      });
    }
  };
  const done = Promise.all(seen.map((_, client) => runClient(client)));
  return {
    seen,
    failures,
    latest: () => Math.max(0, ...seen.map((s) => s[s.length - 1]?.version ?? 0)),
    count: () => seen.reduce((n, s) => n + s.length, 0),
    async stop() {
      stopped = true;
      await done;
    },
  };
}

describeEachDialect('hot swap of a served alias', (dialect) => {
  let models: OnnxModels;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(() => {
    if (pythonAvailable()) models = makeOnnxModels();
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
  });

  /** A platform with iris versions 1-4 registered and champion on 1, behind an in-process server. */
  async function setUp(): Promise<{ platform: Platform; app: App; versions: number[] }> {
    const platform = await openTestPlatform(dialect);
    opened.push(platform);
    const versions = await registerOnnxModels(platform, models, 'iris', versionDirs);
    await platform.registry.aliases.set('iris', 'champion', 1);
    const app = await buildServer(platform);
    opened.push(app);
    return { platform, app, versions };
  }

  it.skipIf(!pythonAvailable())(
    'keeps answering under concurrent load through three alias moves, each request on one whole version',
    async () => {
      const { platform, app } = await setUp();
      const load = startLoad(app, models, 8, 4000);
      await until(() => load.count() >= 50, { what: 'the first answers', timeoutMs: 20_000 });
      for (const version of [2, 3, 4]) {
        const before = load.count();
        await platform.registry.aliases.set('iris', 'champion', version);
        await until(() => load.latest() === version, {
          what: `answers from version ${version}`,
          timeoutMs: 20_000,
        });
        await until(() => load.count() >= before + 50, {
          what: `more answers after the move to ${version}`,
          timeoutMs: 20_000,
        });
      }
      await load.stop();

      expect(load.failures).toEqual([]);
      const all = load.seen.flat();
      expect(new Set(all.map((o) => o.version))).toEqual(new Set([1, 2, 3, 4]));
      // Every answer is wholly from the version it names: scikit-learn's labels for that version.
      for (const o of all) {
        expect(o.labels).toEqual(models.expected.models[versionDirs[o.version - 1] as ModelName].labels);
      }
      // Each client's requests are sequential, so it never goes back to an older version.
      for (const client of load.seen) {
        const versions = client.map((o) => o.version);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
      }
      // The old sessions were released once their last request finished.
      await until(() => platform.serving.models.loadedModels().join() === 'iris/4', {
        what: 'old versions to be released',
        timeoutMs: 20_000,
      });
    },
  );

  it.skipIf(!pythonAvailable())(
    'keeps serving the previous version when the new one cannot be loaded',
    async () => {
      const { platform, app } = await setUp();
      const run = await platform.tracking.runs.create({ experimentId: '0' });
      await platform.tracking.artifacts.putForRun(
        run.info.runId,
        'notes/README.txt',
        Buffer.from('not a model'),
      );
      const broken = await platform.registry.versions.create({
        name: 'iris',
        runId: run.info.runId,
        artifactPath: 'notes',
      });
      const load = startLoad(app, models, 4, 2000);
      await until(() => load.count() >= 20, { what: 'the first answers', timeoutMs: 20_000 });
      await platform.registry.aliases.set('iris', 'champion', broken.version);
      await platform.serving.models.refreshAll();
      const before = load.count();
      await until(() => load.count() >= before + 50, {
        what: 'answers after the failed move',
        timeoutMs: 20_000,
      });
      await load.stop();
      expect(load.failures).toEqual([]);
      expect(new Set(load.seen.flat().map((o) => o.version))).toEqual(new Set([1]));
    },
  );

  it.skipIf(!pythonAvailable())(
    'follows an alias moved by another process, by polling the registry',
    async () => {
      const { platform } = await setUp();
      // A second process's view of the same database and artifacts: a serving process that
      // never hears this one's events, and polls instead.
      const server = await openPlatform(
        loadConfig({ databaseUrl: platform.database.url, artifactRoot: platform.config.artifactRoot }, {}),
        {
          serving: { models: { refreshIntervalMs: 20 } },
        },
      );
      opened.push(server);
      const first = await server.serving.predictions.predict({
        ref: 'iris@champion',
        records: models.expected.rows,
      });
      expect(first.version).toBe(1);
      await platform.registry.aliases.set('iris', 'champion', 3);
      await until(() => server.serving.models.currentVersion('iris@champion') === 3, {
        what: 'the poll to see version 3',
        timeoutMs: 20_000,
      });
      const after = await server.serving.predictions.predict({
        ref: 'iris@champion',
        records: models.expected.rows,
      });
      expect(after.version).toBe(3);
      expect(after.predictions.map((p) => p.label)).toEqual(models.expected.models['columns-v3'].labels);
    },
  );

  it.skipIf(!pythonAvailable())('stops serving an alias that was removed', async () => {
    const { platform } = await setUp();
    const { predictions, models: served } = platform.serving;
    expect((await predictions.predict({ ref: 'iris@champion', records: models.expected.rows })).version).toBe(
      1,
    );
    await platform.registry.aliases.delete('iris', 'champion');
    await until(() => served.currentVersion('iris@champion') === undefined, {
      what: 'the alias to be unbound',
      timeoutMs: 20_000,
    });
    await expect(
      predictions.predict({ ref: 'iris@champion', records: models.expected.rows }),
    ).rejects.toMatchObject({
      status: 404,
    });
    // A bare name falls back from the champion to the newest version.
    expect((await predictions.predict({ ref: 'iris', records: models.expected.rows })).version).toBe(4);
  });
});
