import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/index.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startServer } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { CLI } from '../helpers/cli.js';
import { eventually, until } from '../helpers/poll.js';

function mloop(home: string, args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: home,
    env: { ...process.env, MLOOP_HOME: join(home, '.mloop'), MLOOP_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const yaml = `
name: cli-demo
params: {n: 3}
steps:
  make:
    outputs: {data: file}
    command: seq 1 \${params.n} > \${outputs.data}
  total:
    inputs: {data: make.data}
    outputs: {sum: value}
    command: echo summing; awk '{s+=$1} END {print s}' \${inputs.data} > \${outputs.sum}
`;

describe('mloop pipelines from the command line', () => {
  it('runs a YAML pipeline, reuses cached steps, reruns them with --no-cache, and shows logs', () => {
    const home = tempDir('mloop-pipe-cli-');
    writeFileSync(join(home, 'pipeline.yaml'), yaml);
    const first = mloop(home, ['pipelines', 'run', 'pipeline.yaml', '--param', 'n=4']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/SUCCEEDED\s+make\s+\S+\s+cache miss [0-9a-f]{12}/);
    expect(first.stdout).toMatch(/SUCCEEDED: run prun_/);

    const cached = JSON.parse(
      mloop(home, ['pipelines', 'run', 'pipeline.yaml', '--param', 'n=4', '--json']).stdout,
    );
    expect(cached.steps.map((s: { cacheHit: boolean }) => s.cacheHit)).toEqual([true, true]);
    expect(cached.steps[1].outputs.sum.value).toBe(10);
    const forced = JSON.parse(
      mloop(home, ['pipelines', 'run', 'pipeline.yaml', '--param', 'n=4', '--no-cache', '--json']).stdout,
    );
    expect(forced.steps.map((s: { cacheHit: boolean }) => s.cacheHit)).toEqual([false, false]);

    const logs = mloop(home, ['pipelines', 'logs', forced.id, 'total']);
    expect(logs.stdout).toContain('summing');
    const shown = mloop(home, ['pipelines', 'show', forced.id]);
    expect(shown.stdout).toMatch(/total\s+SUCCEEDED\s+1\s+\S+\s+miss [0-9a-f]{12}/);
    const listed = JSON.parse(mloop(home, ['pipelines', 'list', '--json']).stdout);
    expect(listed.runs).toHaveLength(3);
  });

  it('registers a pipeline for its triggers without running it', () => {
    const home = tempDir('mloop-pipe-cli-');
    writeFileSync(
      join(home, 'pipeline.yaml'),
      yaml.replace('params:', 'triggers: {datasets: [churn], alerts: [{rule: churn-drift}]}\nparams:'),
    );
    const registered = mloop(home, ['pipelines', 'register', 'pipeline.yaml']);
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout).toContain(
      'registered pipeline cli-demo: a running mloop server starts it on new versions of dataset churn, alerts of rule churn-drift',
    );
    expect(JSON.parse(mloop(home, ['pipelines', 'register', 'pipeline.yaml', '--json']).stdout).name).toBe(
      'cli-demo',
    );
    expect(JSON.parse(mloop(home, ['pipelines', 'list', '--json']).stdout).runs).toEqual([]);
  });

  it('exits 3 naming the field for a bad file or param, and 1 with the way forward when a step fails', () => {
    const home = tempDir('mloop-pipe-cli-');
    writeFileSync(join(home, 'bad.yaml'), 'name: bad\nsteps:\n  a:\n    command: x\n    needs: [b]\n');
    const bad = mloop(home, ['pipelines', 'run', 'bad.yaml']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/step "a" needs "b"/);
    writeFileSync(join(home, 'pipeline.yaml'), yaml);
    expect(mloop(home, ['pipelines', 'run', 'pipeline.yaml', '--param', 'n=many']).stderr).toMatch(
      /param "n" must be a number/,
    );
    writeFileSync(join(home, 'fails.yaml'), 'name: fails\nsteps:\n  boom:\n    command: exit 4\n');
    const failed = mloop(home, ['pipelines', 'run', 'fails.yaml']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAILED\s+boom/);
    expect(failed.stdout).toMatch(
      /mloop pipelines logs prun_\w+ boom; resume: mloop pipelines rerun prun_\w+/,
    );
  });

  it('cancels a run from another process', async () => {
    const home = tempDir('mloop-pipe-cli-');
    writeFileSync(join(home, 'slow.yaml'), 'name: slow\nsteps:\n  wait:\n    command: sleep 30\n');
    const env = { ...process.env, MLOOP_HOME: join(home, '.mloop'), MLOOP_URL: '' };
    const child = spawn(process.execPath, [CLI, 'pipelines', 'run', 'slow.yaml'], { cwd: home, env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!/run (prun_\w+)/.test(out)) {
      if (Date.now() > deadline) throw new Error(`run never started: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const runId = /run (prun_\w+)/.exec(out)![1]!;
    await new Promise((r) => setTimeout(r, 300));
    const cancel = mloop(home, ['pipelines', 'cancel', runId]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(await exited).toBe(1);
    expect(out).toMatch(/CANCELLED: run prun_/);
  });

  it('abandons a run whose command was killed, and rerun resumes it', async () => {
    const home = tempDir('mloop-pipe-cli-');
    // The first attempt marks that it ran and waits; the resumed one finds the mark and ends.
    writeFileSync(
      join(home, 'held.yaml'),
      'name: held\nsteps:\n  wait:\n    command: test -f ran || { touch ran; sleep 30; }\n',
    );
    const env = { ...process.env, MLOOP_HOME: join(home, '.mloop'), MLOOP_URL: '' };
    const child = spawn(process.execPath, [CLI, 'pipelines', 'run', 'held.yaml'], { cwd: home, env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const runId = await eventually(() => /run (prun_\w+)/.exec(out)?.[1], { timeoutMs: 20_000 });
    await until(() => existsSync(join(home, 'ran')), { timeoutMs: 20_000 });
    child.kill('SIGKILL');
    await exited;
    // Its lease (60 s) has not run out: rerun refuses, abandon ends it now.
    expect(mloop(home, ['pipelines', 'rerun', runId]).code).toBe(5);
    const abandoned = mloop(home, ['pipelines', 'abandon', runId, '--json']);
    expect(abandoned.code, abandoned.stderr).toBe(0);
    expect(JSON.parse(abandoned.stdout)).toMatchObject({ id: runId, status: 'FAILED' });
    const again = mloop(home, ['pipelines', 'abandon', runId]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/is FAILED, not running/);
    const resumed = mloop(home, ['pipelines', 'rerun', runId, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: runId, status: 'SUCCEEDED' });
    expect(mloop(home, ['pipelines', 'abandon', '--help']).stdout).toMatch(/MLOOP_PIPELINE_LEASE_MS/);
  });
});

const redisUrl = testRedisUrl();

(redisUrl ? describe : describe.skip)('mloop pipelines run --executor bullmq with mloop worker', () => {
  it('runs the same YAML pipeline on a worker process and gives the same outputs', async () => {
    const home = tempDir('mloop-pipe-cli-');
    writeFileSync(join(home, 'pipeline.yaml'), yaml);
    const env = {
      ...process.env,
      MLOOP_HOME: join(home, '.mloop'),
      MLOOP_URL: '',
      MLOOP_QUEUE: `cli-${process.pid}-${Date.now()}`,
    };
    const worker = spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl!], { cwd: home, env });
    let workerOut = '';
    worker.stdout.on('data', (c: Buffer) => (workerOut += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!workerOut.includes('ready')) {
        if (Date.now() > deadline) throw new Error(`worker did not start: ${workerOut}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const result = spawnSync(
        process.execPath,
        [CLI, 'pipelines', 'run', 'pipeline.yaml', '--executor', 'bullmq', '--redis', redisUrl!, '--json'],
        { cwd: home, env, encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.status, result.stderr).toBe(0);
      const run = JSON.parse(result.stdout);
      expect(run.steps[1].outputs.sum.value).toBe(6);
      // spawnSync held this event loop: read what the worker printed meanwhile.
      const printed = Date.now() + 5000;
      while (!/ok\s+cli-demo\/total/.test(workerOut) && Date.now() < printed)
        await new Promise((r) => setTimeout(r, 20));
      expect(workerOut).toMatch(/ok\s+cli-demo\/make/);
      expect(workerOut).toMatch(/ok\s+cli-demo\/total/);
    } finally {
      worker.kill('SIGTERM');
    }
  });

  it('sends the steps of runs a server starts to the workers too', async () => {
    const home = tempDir('mloop-pipe-server-');
    const queue = `server-${process.pid}-${Date.now()}`;
    const server = await startServer({ home, env: { MLOOP_REDIS_URL: redisUrl!, MLOOP_QUEUE: queue } });
    const env = { ...process.env, MLOOP_HOME: home, MLOOP_URL: '', MLOOP_QUEUE: queue };
    const worker = spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl!], { cwd: home, env });
    let workerOut = '';
    worker.stdout.on('data', (c: Buffer) => (workerOut += c.toString()));
    try {
      const said = `steps run on mloop worker processes through ${redisUrl}`;
      for (let i = 0; i < 100 && !server.output().includes(said); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(server.output()).toContain(said);
      process.env.MLOOP_HOME = home; // the server's home: the SDK sends its local admin token
      const client = new MloopClient({ url: server.url });
      await client.pipelines.register(yaml);
      const started = await client.pipelines.start('cli-demo', { params: { n: 5 } });
      const run = await client.pipelines.waitForRun(started.id, { timeoutMs: 60_000, pollMs: 100 });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.steps.find((s) => s.step === 'total')?.outputs.sum?.value).toBe(15);
      const line = new RegExp(`ok\\s+cli-demo/total\\s+attempt 1\\s+run ${started.id}`);
      const printed = Date.now() + 5000;
      while (!line.test(workerOut) && Date.now() < printed) await new Promise((r) => setTimeout(r, 20));
      expect(workerOut).toMatch(line);
    } finally {
      worker.kill('SIGTERM');
      await server.stop();
    }
  });
});
