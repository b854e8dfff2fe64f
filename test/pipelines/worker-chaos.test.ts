import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { redisConnection } from '../../src/pipelines/executors/bullmq-connection.js';
import { BullMqExecutor } from '../../src/pipelines/executors/bullmq-executor.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import type { Platform } from '../../src/platform.js';
import { CLI } from '../helpers/cli.js';
import { openTestPlatform, storeDialects } from '../helpers/platform.js';
import { eventually, until } from '../helpers/poll.js';
import { testRedisUrl } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';

// A private Redis per file: these tests kill and restart it, which the suite's shared one must
// never see. It runs where the test services expect Redis to be installed.
const redisAvailable = testRedisUrl() !== undefined;
const lockMs = 2_000;
const leaseMs = 3_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server without persistence: a restart loses every job, as a failover without AOF. */
class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await until(
      () =>
        spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.includes(
          'PONG',
        ),
      { what: 'the private Redis to answer', timeoutMs: 10_000, intervalMs: 50 },
    );
  }
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

interface Worker {
  child: ChildProcess;
  output: () => string;
}

const alive = (w: Worker) => w.child.exitCode === null && w.child.signalCode === null;

for (const dialect of storeDialects())
  (redisAvailable ? describe : describe.skip)(
    `pipeline steps on mloop workers under faults [${dialect}]`,
    () => {
      let redis: PrivateRedis;
      let platform: Platform;
      let pipelines: PipelineService;
      let executor: BullMqExecutor;
      const workers: Worker[] = [];
      const dir = tempDir('mloop-chaos-');

      const startWorker = async (): Promise<Worker> => {
        const { home, databaseUrl, artifactRoot } = platform.config;
        let out = '';
        const child = spawn(
          process.execPath,
          [CLI, 'worker', '--redis', redis.url, '--queue', 'chaos', '--lock-ms', String(lockMs)],
          {
            cwd: dir,
            env: {
              ...process.env,
              MLOOP_HOME: home,
              MLOOP_DATABASE_URL: databaseUrl,
              MLOOP_ARTIFACT_ROOT: artifactRoot,
              MLOOP_PIPELINE_LEASE_MS: String(leaseMs),
              MLOOP_URL: '',
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
        const worker = { child, output: () => out };
        workers.push(worker);
        await until(() => out.includes(`ready (pid ${child.pid}`), {
          what: `a worker: ${out}`,
          timeoutMs: 30_000,
        });
        return worker;
      };
      const kill9 = (worker: Worker) =>
        new Promise<void>((resolve) => {
          if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
          worker.child.once('exit', () => resolve());
          worker.child.kill('SIGKILL');
        });

      beforeAll(async () => {
        redis = new PrivateRedis(await freePort());
        await redis.start();
        platform = await openTestPlatform(dialect, undefined, { pipelineLeaseMs: leaseMs });
        // The runner checks every second that Redis still holds the job it waits for.
        executor = new BullMqExecutor(redis.url, 'chaos', 1_000);
        pipelines = platformPipelineService(platform, executor);
      }, 60_000);
      afterAll(async () => {
        await Promise.all(workers.map(kill9));
        await executor?.close().catch(() => undefined);
        await platform?.close();
        await redis?.stop();
      });

      /** A one-step pipeline whose step appends to `attempts` then runs `then` (shell). */
      const register = async (name: string, then: string) => {
        const attempts = join(dir, `${name}.attempts`);
        const text = `
name: ${name}
steps:
  work:
    command: echo "$$" >> ${attempts}; ${then}
`;
        await pipelines.register(parsePipelineYaml(text), { kind: 'yaml', path: '', text });
        return {
          attempts,
          count: () => (existsSync(attempts) ? readFileSync(attempts, 'utf8').trim().split('\n').length : 0),
        };
      };

      it('a worker killed mid-step: the step runs once more, on the other worker, and the run completes', async () => {
        // The first delivery waits forever; the second finds it ran before and ends.
        const { attempts, count } = await register(
          'killed',
          `[ "$(wc -l < ${join(dir, 'killed.attempts')})" -gt 1 ] || sleep 3600`,
        );
        const first = await startWorker();
        const handle = await pipelines.start('killed');
        await until(() => count() === 1, {
          what: 'the step to start on the first worker',
          timeoutMs: 30_000,
        });
        const second = await startWorker();
        await kill9(first);
        const run = await eventually(
          async () => {
            const r = await pipelines.getRun(handle.id);
            return r.status === 'RUNNING' ? undefined : r;
          },
          { what: 'the run to end', timeoutMs: 60_000, intervalMs: 200 },
        );
        expect(run.status, run.error).toBe('SUCCEEDED');
        // Delivered again by Redis, not retried by the runner: still its first attempt.
        expect(run.steps[0]!.attempt).toBe(1);
        expect(readFileSync(attempts, 'utf8').trim().split('\n')).toHaveLength(2);
        expect(second.output()).toMatch(/ok\s+killed\/work\s+attempt 1/);
        await handle.done;
      }, 120_000);

      it('a step running longer than the lock stays with its worker: the lock is renewed while it runs', async () => {
        const { count } = await register('long', `sleep ${(3 * lockMs) / 1000}`);
        while (workers.filter(alive).length < 2) await startWorker();
        const run = await (await pipelines.start('long')).done;
        expect(run.status, run.error).toBe('SUCCEEDED');
        expect(count()).toBe(1);
        const queue = new Queue('chaos', { connection: redisConnection(redis.url) });
        try {
          const job = (await queue.getJob(`${run.steps[0]!.id}-1`))!;
          // Never taken for stalled (its lock lapsing) though it ran three lock periods.
          expect(job.stalledCounter).toBe(0);
        } finally {
          await queue.close();
        }
      }, 60_000);

      it('a job delivered again after its attempt finished is answered from its recorded result, not run again', async () => {
        const { count } = await register('redelivered', 'true');
        if (!workers.some(alive)) await startWorker();
        const run = await (await pipelines.start('redelivered')).done;
        expect(run.status, run.error).toBe('SUCCEEDED');
        expect(count()).toBe(1);
        // As BullMQ does when a worker finished a step but lost the job before reporting it.
        const connection = redisConnection(redis.url);
        const queue = new Queue('chaos', { connection });
        const events = new QueueEvents('chaos', { connection });
        try {
          const jobId = `${run.steps[0]!.id}-1`;
          const job = (await queue.getJob(jobId))!;
          await job.remove();
          await events.waitUntilReady();
          const again = await queue.add('step', job.data, { jobId });
          expect(await again.waitUntilFinished(events, 30_000)).toMatchObject({ ok: true });
          expect(count()).toBe(1);
        } finally {
          await events.close();
          await queue.close();
        }
      });

      it('Redis restarted mid-run: the run fails naming the lost job, resumes with rerun, and the worker carries on', async () => {
        const go = join(dir, 'restart.go');
        await register('restart', `while [ ! -f ${go} ]; do sleep 0.1; done`);
        if (!workers.some((w) => w.child.exitCode === null && w.child.signalCode === null))
          await startWorker();
        const handle = await pipelines.start('restart');
        await until(() => existsSync(join(dir, 'restart.attempts')), {
          what: 'the step to start',
          timeoutMs: 30_000,
        });
        await redis.stop();
        await redis.start();
        const failed = await handle.done;
        expect(failed.status).toBe('FAILED');
        expect(failed.error).toMatch(/Redis no longer holds the job/);
        writeFileSync(go, '');
        const resumed = await (await pipelines.rerun(handle.id)).done;
        expect(resumed.status, resumed.error).toBe('SUCCEEDED');
      }, 120_000);
    },
  );
