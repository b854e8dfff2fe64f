import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateCustomers, requestOf } from '../examples/closed-loop/churn-data.js';
import { runClosedLoop, type StoryEvent } from '../examples/closed-loop/loop.js';
import { loadConfig } from '../src/core/config.js';
import { platformPipelineService } from '../src/pipelines/pipeline-services.js';
import type { PipelineTables } from '../src/pipelines/tables.js';
import { openPlatform, type Platform } from '../src/platform.js';
import { GovernanceClient } from '../src/sdk/governance.js';
import { HttpClient } from '../src/sdk/http.js';
import { MloopClient } from '../src/sdk/index.js';
import { defaultLeaseMs as leaderLeaseMs } from '../src/store/leader-election.js';
import { eventually } from './helpers/poll.js';
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
const pipelineLeaseMs = 3_000;
// The duties led once across the replicas in this test (alert evaluation is the demo's own), with
// their intervals: a new leader takes a duty at its first turn after the dead one's lease.
const schedulerDuties: Record<string, number> = { 'rollout-judging': 250, 'cron-triggers': 15_000 };

/** A client of `replica` with its local admin token (starting a pipeline runs code on the server). */
function adminClient(replica: ServerProcess): MloopClient {
  const token = readFileSync(join(replica.home, 'local-admin-token'), 'utf8').trim();
  return new MloopClient({ url: replica.url, token });
}

/** The duties `replica` leads, as its /metrics says (as of each duty's last turn). */
async function dutiesLed(replica: ServerProcess): Promise<string[]> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  return [...text.matchAll(/^mloop_duty_leader\{duty="([^"]+)"\} 1$/gm)].map((m) => m[1]!);
}
const redisUrl = testRedisUrl();

// Three `mloop server` processes on one PostgreSQL, one Redis and one artifact directory, behind a
// round-robin balancer, run the closed-loop demo: what must happen once happens once. Then the
// scheduler leader and the replica driving a retraining run are killed -9: the last one takes over.
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
      // Short, so the kill phase sees a run of a killed replica failed within seconds.
      MLOOP_PIPELINE_LEASE_MS: String(pipelineLeaseMs),
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

  it('loses no acknowledged write when the scheduler leader and the replica driving a run are killed -9', async () => {
    const client = new MloopClient({ url: balancer.url });
    // Acknowledged writes, each through whichever replica the balancer picks.
    const experiment = await client.experiments.getByName('churn-closed-loop');
    const run = await client.runs.create({
      experimentId: experiment.experimentId,
      runName: 'before-the-kill',
    });
    for (let step = 0; step < 6; step++)
      await client.runs.logMetric(run.info.runId, 'loss', 1 / (step + 1), { step });
    const customers = generateCustomers(60, 'winter', 99);
    const ids: string[] = [];
    for (let i = 0; i < customers.length; i += 10) {
      const answer = await client.deployments.predict('churn', customers.slice(i, i + 10).map(requestOf));
      ids.push(...answer.predictions.map((p) => p.id));
    }
    // A replica may get a label before the one that answered has written the prediction.
    await eventually(
      () =>
        client.feedback
          .attach(
            ids.map((predictionId, i) => ({ predictionId, label: customers[i]!.churned })),
            { source: 'kill' },
          )
          .catch((error: Error) => {
            if (/no prediction with id/.test(error.message)) return undefined;
            throw error;
          }),
      { what: 'the labels to be accepted', timeoutMs: 10_000, intervalMs: 100 },
    );
    const models = ['kill-a', 'kill-b', 'kill-c'];
    for (const name of models) await client.models.create({ name });

    // The scheduler leader, as its /metrics says, and a run started on another replica.
    const leader = await eventually(
      async () => {
        for (const replica of replicas)
          if ((await dutiesLed(replica)).includes('rollout-judging')) return replica;
        return undefined;
      },
      { what: 'a replica to lead rollout judging', timeoutMs: 5_000, intervalMs: 100 },
    );
    const driver = replicas.find((r) => r !== leader)!;
    const survivor = replicas.find((r) => r !== leader && r !== driver)!;
    const ledBefore = new Set([...(await dutiesLed(leader)), ...(await dutiesLed(driver))]);
    const leases = platform.database.tables<{
      leases: { name: string; owner: string; expires_at: number };
    }>();
    const leaderLease = await leases
      .selectFrom('leases')
      .selectAll()
      .where('name', '=', 'rollout-judging')
      .executeTakeFirstOrThrow();
    const started = await adminClient(driver).pipelines.start('churn-retrain');
    const survivorClient = adminClient(survivor);
    // Caught while a step runs (on the worker: the driver replica holds the run and waits on it).
    const running = await eventually(
      async () => {
        const now = await survivorClient.pipelines.getRun(started.id);
        if (now.status !== 'RUNNING') throw new Error(`the run ended before the kill: ${now.status}`);
        return now.steps.find((s) => s.status === 'RUNNING');
      },
      { what: 'a step of the retraining run to start', timeoutMs: 30_000, intervalMs: 50 },
    );
    const row = await platform.database
      .tables<PipelineTables>()
      .selectFrom('pipeline_runs')
      .select('owner_pid')
      .where('id', '=', started.id)
      .executeTakeFirstOrThrow();
    expect(row.owner_pid).toBe(driver.child.pid);

    await Promise.all([leader.kill9(), driver.kill9()]);
    const killedAt = Date.now();
    balancer.remove(leader.url);
    balancer.remove(driver.url);

    // Together: the survivor takes every duty the killed replicas led, each within the lease and
    // one turn of it, and fails the run the driver held within the run lease and one check.
    const since = () => Date.now() - killedAt;
    const [takeovers, failed] = await Promise.all([
      Promise.all(
        Object.entries(schedulerDuties)
          .filter(([duty]) => ledBefore.has(duty))
          .map(([duty, intervalMs]) =>
            eventually(
              async () =>
                (await dutiesLed(survivor)).includes(duty) ? { duty, intervalMs, after: since() } : undefined,
              {
                what: `the survivor to lead ${duty}`,
                timeoutMs: leaderLeaseMs + intervalMs + 15_000,
                intervalMs: 100,
              },
            ),
          ),
      ),
      eventually(
        async () => {
          const now = await survivorClient.pipelines.getRun(started.id);
          return now.status === 'RUNNING' ? undefined : { run: now, after: since() };
        },
        { what: 'the survivor to fail the run', timeoutMs: 30_000, intervalMs: 100 },
      ),
    ]);
    expect(takeovers.map((t) => t.duty)).toContain('rollout-judging');
    for (const { after, intervalMs } of takeovers)
      expect(after).toBeLessThan(leaderLeaseMs + intervalMs + 3_000);
    const lease = await leases
      .selectFrom('leases')
      .selectAll()
      .where('name', '=', 'rollout-judging')
      .executeTakeFirstOrThrow();
    expect(lease.owner).not.toBe(leaderLease.owner);
    expect(Number(lease.expires_at)).toBeGreaterThan(Date.now());
    // The run lease, a check (a sixth of it) and some slack for a loaded machine.
    expect(failed.after).toBeLessThan(pipelineLeaseMs * 2 + 2_000);
    expect(failed.run.status).toBe('FAILED');
    expect(failed.run.error).toMatch(
      new RegExp(`pid ${driver.child.pid}\\b.*stopped heartbeating.*mloop pipelines rerun`),
    );
    expect(failed.run.steps.find((s) => s.step === running.step)?.status).not.toBe('RUNNING');
    const rerun = await survivorClient.pipelines.rerun(started.id);
    const resumed = await survivorClient.pipelines.waitForRun(rerun.id, { timeoutMs: 120_000, pollMs: 250 });
    expect(resumed.status, resumed.error).toBe('SUCCEEDED');

    // Every acknowledged write reads back through the survivor.
    const read = await survivorClient.runs.get(run.info.runId);
    expect(read.info.runName).toBe('before-the-kill');
    const history = await survivorClient.runs.metricHistory(run.info.runId, 'loss');
    expect(history.items.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [i, id] of ids.entries())
      expect((await survivorClient.feedback.get(id)).label).toEqual(customers[i]!.churned);
    const governance = new GovernanceClient(new HttpClient({ url: survivor.url }));
    const audited = await governance.audit({
      kinds: ['model'],
    });
    for (const name of models)
      expect(audited.filter((e) => e.action === 'model.create' && e.objectId === name)).toHaveLength(1);
    // The hash chain has no gap where a write was lost.
    expect(await governance.verifyAudit()).toMatchObject({ ok: true });
  }, 300_000);
});
