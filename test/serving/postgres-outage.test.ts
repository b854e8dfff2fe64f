import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { until } from '../helpers/poll.js';
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { modelWithVersions } from '../registry/model-factories.js';
import { loggedIds } from './logged-predictions.js';

const outageMs = 10_000;
const leaseMs = 15_000; // store/leader-election.ts's default

interface Answers {
  ok: number;
  /** 503 with Retry-After: the prediction log's documented back-pressure. */
  backPressure: number;
  /** Anything else: a status without Retry-After, an error, a dropped connection. */
  failures: string[];
  acknowledged: string[];
}

/** Sum of a counter's series on /metrics whose labels include `labels`. */
async function counter(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

// A server of the test's own PostgreSQL (the shared one serves every other test) loses its
// database for 10 s under /predict load: serving goes on, nothing answered is lost, and the
// background duties pick up again once the database is back.
(postgresBinaries() ? describe : describe.skip)('a PostgreSQL outage under serving load', () => {
  let postgres: PrivatePostgres;
  let server: ServerProcess;
  let model: string;
  let deployment: string;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    const home = tempDir('mloop-outage-');
    const config = loadConfig({ home, databaseUrl: postgres.url }, {}, home);
    const platform = await openPlatform(config);
    try {
      model = await modelWithVersions(platform, 1);
      await platform.registry.aliases.set(model, 'production', 1);
      deployment = `${model}-live`;
      await platform.deployments.deployments.create({ name: deployment, model, primary: 'production' });
    } finally {
      await platform.close();
    }
    server = await startServer({
      home,
      env: { MLOOP_DATABASE_URL: postgres.url, MLOOP_ALERT_INTERVAL_MS: '500' },
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps answering /predict, loses nothing it answered, and resumes its schedulers', async () => {
    const answers: Answers = { ok: 0, backPressure: 0, failures: [], acknowledged: [] };
    const paths = [
      `/api/v1/serving/${model}/predict?alias=production`,
      `/api/v1/deployments/${deployment}/predict`,
    ];
    let stop = false;
    const client = async (path: string) => {
      while (!stop) {
        try {
          const response = await fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ records: [{ a: 1, b: 2 }] }),
          });
          const body = await response.text();
          if (response.status === 200) {
            answers.ok += 1;
            const parsed = JSON.parse(body) as { predictions: Array<{ id: string }> };
            answers.acknowledged.push(...parsed.predictions.map((p) => p.id));
          } else if (response.status === 503 && response.headers.get('retry-after')) {
            answers.backPressure += 1;
          } else answers.failures.push(`${path}: ${response.status} ${body.slice(0, 200)}`);
        } catch (error) {
          answers.failures.push(`${path}: ${String(error)}`);
        }
      }
    };
    const clients = [0, 1, 2, 3].map((i) => client(paths[i % paths.length]!));
    await until(() => answers.ok >= 200, { what: 'load before the outage', timeoutMs: 30_000 });

    await postgres.stop();
    const stoppedAt = Date.now();
    const okBefore = answers.ok;
    // The outage itself lasts a fixed time: the load runs through it.
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    const okDuring = answers.ok - okBefore;
    await postgres.start();
    const restartedAt = Date.now();
    const okAtRestart = answers.ok;
    await until(() => answers.ok >= okAtRestart + 200, { what: 'load after the outage', timeoutMs: 30_000 });
    stop = true;
    await Promise.all(clients);

    expect(answers.failures.slice(0, 5)).toEqual([]);
    // Served throughout: answered, not merely refused, while the database was away.
    expect(okDuring).toBeGreaterThan(100);
    expect(Date.now() - stoppedAt).toBeGreaterThan(outageMs);

    // Every acknowledged prediction reaches the database once it is back.
    const acknowledged = new Set(answers.acknowledged);
    await until(
      async () => {
        const logged = await loggedIds(server.url, model);
        return [...acknowledged].every((id) => logged.has(id));
      },
      { what: 'every acknowledged prediction in the log', timeoutMs: 60_000, intervalMs: 500 },
    );

    // The failed turns were counted, not fatal; the alert scheduler's leader renewed its lease
    // (ran a turn) after the restart.
    expect(await counter(server.url, 'mloop_background_errors_total')).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      await until(
        async () => {
          const { rows } = await db.query<{ expires_at: string }>(
            "select expires_at from leases where name = 'alert-evaluation'",
          );
          return rows.length === 1 && Number(rows[0]!.expires_at) - leaseMs >= restartedAt;
        },
        { what: 'alert evaluation running again', timeoutMs: 30_000, intervalMs: 200 },
      );
    } finally {
      await db.end();
    }
    expect(server.child.exitCode).toBeNull();
  }, 180_000);
});
