import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../../src/governance/local-admin-token.js';
import { Queue } from 'bullmq';
import { redisConnection } from '../../src/pipelines/executors/bullmq-connection.js';
import { BullMqExecutor } from '../../src/pipelines/executors/bullmq-executor.js';
import type { StepTask } from '../../src/pipelines/step-task.js';
import type { Step } from '../../src/pipelines/types.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import { openPlatform } from '../../src/platform.js';
import { CLI } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startServer } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { processExists as alive } from '../../src/core/process-exists.js';

/** A one-step pipeline whose step marks its start, works for `seconds`, then marks its end. */
function slowPipeline(name: string, dir: string, seconds: number): string {
  const started = join(dir, 'started');
  const finished = join(dir, 'finished');
  return [
    `name: ${name}`,
    'steps:',
    '  train:',
    `    command: sleep ${seconds} & echo $! > ${started}; wait; touch ${finished}`,
    '',
  ].join('\n');
}

function exited(child: ChildProcess): Promise<{ code: number | null; at: number }> {
  if (child.exitCode !== null) return Promise.resolve({ code: child.exitCode, at: Date.now() });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
}

async function startRun(url: string, home: string, yaml: string, name: string): Promise<string> {
  const authorization = `Bearer ${readFileSync(join(home, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim()}`;
  const registered = await fetch(`${url}/api/v1/pipelines`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/yaml' },
    body: yaml,
  });
  expect(registered.status).toBe(201);
  const started = await fetch(`${url}/api/v1/pipelines/${name}/runs`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(started.status).toBe(201);
  return ((await started.json()) as { id: string }).id;
}

describe('mloop server shutdown', () => {
  it('drains on SIGTERM: the running step finishes, its run is recorded, the process exits 0', async () => {
    const home = tempDir('mloop-drain-');
    const server = await startServer({ home });
    const runId = await startRun(server.url, home, slowPipeline('drain', home, 3), 'drain');
    await until(() => existsSync(join(home, 'started')), { what: 'the step to start' });
    const exit = exited(server.child);
    server.child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
    expect(existsSync(join(home, 'finished'))).toBe(true);
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    try {
      expect((await platformPipelineService(platform).getRun(runId)).status).toBe('SUCCEEDED');
    } finally {
      await platform.close();
    }
  }, 60_000);

  it('exits at once on a second signal, and the step ends with it', async () => {
    const home = tempDir('mloop-drain-');
    const server = await startServer({ home });
    await startRun(server.url, home, slowPipeline('impatient', home, 60), 'impatient');
    await until(
      () => existsSync(join(home, 'started')) && readFileSync(join(home, 'started'), 'utf8') !== '',
      {
        what: 'the step to start',
      },
    );
    const sleeper = Number(readFileSync(join(home, 'started'), 'utf8').trim());
    const exit = exited(server.child);
    server.child.kill('SIGTERM');
    await until(() => server.output().includes('shutting down'), { what: 'the drain to begin' });
    server.child.kill('SIGTERM');
    // Well before the 60 s step (or the 30 s grace) could end.
    expect((await exit).code).toBe(143);
    expect(existsSync(join(home, 'finished'))).toBe(false);
    await until(() => !alive(sleeper), { what: "the step's process to end with the server" });
  }, 60_000);
});

const redisUrl = testRedisUrl();

(redisUrl ? describe : describe.skip)('mloop worker shutdown', () => {
  it('drains on SIGTERM: the step it is running finishes and succeeds, then the worker exits 0', async () => {
    const home = tempDir('mloop-worker-drain-');
    const queue = `mloop-test-${randomBytes(4).toString('hex')}`;
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    const executor = new BullMqExecutor(redisUrl!, queue);
    try {
      const worker = spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl!, '--queue', queue], {
        env: { ...process.env, MLOOP_HOME: home, MLOOP_URL: '' },
        cwd: home,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      worker.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      worker.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      await until(() => output.includes(`ready (pid ${worker.pid}`), {
        what: 'the worker',
        timeoutMs: 30_000,
      });
      const text = slowPipeline('worker-drain', home, 3);
      const handle = await platformPipelineService(platform, executor).runner.start(parsePipelineYaml(text), {
        kind: 'yaml',
        path: '',
        text,
      });
      await until(() => existsSync(join(home, 'started')), { what: 'the step to start on the worker' });
      const exit = exited(worker);
      worker.kill('SIGTERM');
      const run = await handle.done;
      expect(run.status, `${run.error ?? ''}\n${output}`).toBe('SUCCEEDED');
      expect((await exit).code).toBe(0);
    } finally {
      await executor.close();
      await platform.close();
    }
  }, 60_000);
});

(redisUrl ? describe : describe.skip)('waiting for a step on Redis', () => {
  it('fails the step, instead of waiting forever, when Redis loses its job', async () => {
    const queue = `mloop-test-${randomBytes(4).toString('hex')}`;
    const executor = new BullMqExecutor(redisUrl!, queue, 200);
    const admin = new Queue(queue, { connection: redisConnection(redisUrl!) });
    try {
      const task: StepTask = {
        pipeline: 'lost',
        pipelineRunId: 'prun_lost',
        stepRunId: 'srun_lost',
        step: 'train',
        source: { kind: 'yaml', path: '', text: '' },
        params: {},
        inputs: {},
        outputs: {},
        artifactDir: 'lost',
        attempt: 1,
        timeoutMs: undefined,
        cwd: '.',
      };
      // No worker takes the job; then Redis loses it (as a flush or a failover without persistence would).
      const result = executor.run(task, {} as Step, new AbortController().signal);
      await until(async () => (await admin.getJobCounts('waiting')).waiting === 1, { what: 'the job' });
      await admin.obliterate({ force: true });
      expect(await result).toMatchObject({
        ok: false,
        error: expect.stringMatching(/no longer holds the job/),
      });
    } finally {
      await admin.close();
      await executor.close();
    }
  });
});
