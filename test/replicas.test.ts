import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runClosedLoop, type StoryEvent } from '../examples/closed-loop/loop.js';
import { loadConfig } from '../src/core/config.js';
import { platformPipelineService } from '../src/pipelines/pipeline-services.js';
import { openPlatform, type Platform } from '../src/platform.js';
import { freshPostgresUrl, postgresAvailable } from './helpers/postgres.js';
import { testRedisUrl } from './helpers/redis.js';
import { roundRobin, type RoundRobin } from './helpers/round-robin.js';
import { CLI } from './helpers/cli.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/tmp.js';
import { webhookReceiver } from './helpers/webhook-receiver.js';

/** Starts `mloop worker` and resolves once it reports ready. */
async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    cwd: tempDir('mloop-worker-'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('mloop worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${output}`));
    });
  });
  return child;
}

const replicaCount = 3;
const redisUrl = testRedisUrl();

// Three `mloop server` processes on one PostgreSQL, one Redis and one artifact directory, behind a
// round-robin balancer, run the closed-loop demo: what must happen once happens once.
(postgresAvailable() && redisUrl ? describe : describe.skip)('three replicas run the closed loop', () => {
  const home = tempDir('mloop-replicas-');
  const artifactRoot = join(home, 'artifacts');
  let databaseUrl: string;
  const replicas: ServerProcess[] = [];
  let balancer: RoundRobin;
  let worker: ChildProcess | undefined;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let story: StoryEvent[];
  let platform: Platform;

  beforeAll(async () => {
    databaseUrl = await freshPostgresUrl();
    receiver = await webhookReceiver();
    const env = {
      MLOOP_DATABASE_URL: databaseUrl,
      MLOOP_ARTIFACT_ROOT: artifactRoot,
      MLOOP_REDIS_URL: redisUrl!,
      // Steps go to the worker through Redis, on a queue of this test's own.
      MLOOP_QUEUE: `mloop-replicas-${randomBytes(4).toString('hex')}`,
      MLOOP_ROLLOUT_INTERVAL_MS: '250',
      // The demo evaluates its rules itself, through whichever replica the balancer picks.
      MLOOP_ALERT_INTERVAL_MS: '0',
      MLOOP_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    };
    // One at a time: the first runs the migrations the others then find done.
    for (let i = 0; i < replicaCount; i++) replicas.push(await startServer({ env }));
    balancer = await roundRobin(replicas.map((r) => r.url));
    // The worker reaches "the server" as any client does: through the balancer.
    worker = await startWorker({ ...env, MLOOP_SERVER_URL: balancer.url });
    story = await runClosedLoop({
      url: balancer.url,
      home,
      databaseUrl,
      workDir: join(home, 'data'),
      webhookUrl: receiver.url,
    });
    platform = await openPlatform(loadConfig({ home, databaseUrl, artifactRoot }, {}));
  }, 240_000);
  afterAll(async () => {
    await platform?.close();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await balancer?.close();
    for (const replica of replicas) await replica.stop();
    await receiver?.close();
  });

  it('closes the loop with the traffic spread over every replica', () => {
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
    for (const count of balancer.counts) expect(count).toBeGreaterThan(30);
  });

  it('raised one alert per condition and delivered one webhook each', async () => {
    const alerts = await platform.monitoring.alerts.log.list({});
    const rules = alerts.map((a) => a.rule).sort();
    expect(rules).toEqual([...new Set(rules)]);
    expect(rules).toContain('churn-drift');
    const fired = receiver.bodies.filter((b) => (b as { type: string }).type === 'alert.fired');
    expect(fired.map((b) => (b as { alert: { id: string } }).alert.id).sort()).toEqual(
      alerts.map((a) => a.id).sort(),
    );
  });

  it('retrained once, promoted once', async () => {
    const runs = await platformPipelineService(platform).listRuns('churn-retrain');
    expect(runs.map((r) => [r.trigger.kind, r.status])).toEqual([['alert', 'SUCCEEDED']]);
    const history = (await platform.registry.aliases.history('churn', { alias: 'production' })).reverse();
    expect(history.map((p) => [p.fromVersion, p.toVersion, p.actor])).toEqual([
      [undefined, 1, expect.anything()],
      [1, 2, 'mloop-rollout'],
    ]);
    const events = (await platform.deployments.deployments.listEvents('churn')).map((e) => e.kind);
    expect(events.filter((k) => k === 'candidate-set')).toHaveLength(1);
    expect(events.filter((k) => k === 'rollout-started')).toHaveLength(1);
    expect(events.filter((k) => k === 'completed')).toHaveLength(1);
  });

  it("measures each arm on every replica's traffic, the same on each", async () => {
    // Every request of the demo went to /predict of the deployment through the balancer, a third
    // to each replica; each replica's statistics (what the rollout leader judges) count them all.
    const predicted = balancer.sent.get('POST /api/v1/deployments/churn/predict') ?? 0;
    expect(predicted).toBeGreaterThan(30);
    for (const replica of replicas) {
      // The others write what they measured within their flush interval.
      await vi.waitFor(
        async () => {
          const answer = await fetch(`${replica.url}/api/v1/deployments/churn/stats?windowMs=3600000`);
          const stats = (await answer.json()) as Record<
            'primary' | 'candidate',
            { requests: number; errors: number }
          >;
          expect(stats.primary.requests + stats.candidate.requests).toBe(predicted);
          expect(stats.primary.errors + stats.candidate.errors).toBe(0);
        },
        { timeout: 5_000, interval: 200 },
      );
    }
  });
});
