import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { BullMqExecutor } from '../../src/pipelines/executors/bullmq-executor.js';
import { SubprocessExecutor } from '../../src/pipelines/executors/subprocess-executor.js';
import { readPipelineFile } from '../../src/pipelines/load-source.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import type { StepExecutor } from '../../src/pipelines/step-task.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { testRedisUrl } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { CLI } from '../helpers/cli.js';

const MODULE = fileURLToPath(new URL('./fixtures/etl-pipeline.ts', import.meta.url));
const redisUrl = testRedisUrl();

interface Setup {
  executor?: (queue: string, platform: Platform) => StepExecutor;
  workers: number;
}

const executors: [string, Setup | undefined][] = [
  ['inprocess', { workers: 0 }],
  // What `mloop server` uses: TypeScript steps in child processes.
  [
    'subprocess',
    { executor: (_queue, platform) => new SubprocessExecutor(platform.tracking.artifacts), workers: 0 },
  ],
  ['bullmq', redisUrl ? { executor: (queue) => new BullMqExecutor(redisUrl, queue), workers: 2 } : undefined],
];

for (const [name, setup] of executors) {
  (setup ? describe : describe.skip)(`the same pipelines under the ${name} executor`, () => {
    let platform: Platform;
    let pipelines: PipelineService;
    let executor: StepExecutor | undefined;
    const workers: ChildProcess[] = [];
    const workerOutput: string[] = [];

    beforeAll(async () => {
      const home = tempDir('mloop-exec-');
      platform = await openPlatform(loadConfig({ home }, {}));
      const queue = `mloop-test-${randomBytes(4).toString('hex')}`;
      executor = setup!.executor?.(queue, platform);
      pipelines = platformPipelineService(platform, executor);
      for (let i = 0; i < setup!.workers; i++) workers.push(await startWorker(home, queue, workerOutput));
    }, 60_000);

    afterAll(async () => {
      await executor?.close();
      await Promise.all(workers.map(stopWorker));
      await platform.close();
    });

    it('runs a module-defined DAG with function and python steps, retrying the flaky one, then reuses every step', async () => {
      const { definition, source } = await readPipelineFile(MODULE);
      const run = await (await pipelines.runner.start(definition, source)).done;
      expect(run.status, run.error).toBe('SUCCEEDED');
      const step = (n: string) => run.steps.find((s) => s.step === n)!;
      expect(step('count').outputs.lines!.value).toBe(4);
      expect(step('flaky').outputs.total!.value).toBe(0 + 1 + 4 + 9);
      expect(step('flaky').attempt).toBe(2);
      expect(await pipelines.stepLog(run.id, 'count')).toContain('counted 4');
      expect(await pipelines.stepLog(run.id, 'extract')).toContain('wrote 4 rows');
      const summary = await platform.tracking.artifacts.get(step('report').outputs.summary!.path!);
      const chunks: Buffer[] = [];
      for await (const c of summary.stream) chunks.push(c as Buffer);
      const report = JSON.parse(Buffer.concat(chunks).toString()) as {
        lines: number;
        total: number;
        pid: number;
      };
      expect(report).toMatchObject({ lines: 4, total: 14 });
      // Off this process: on a worker (in a child of it) or in a child of this one.
      if (setup!.workers > 0) expect(workerOutput.join('')).toMatch(/ok +etl\/report/);
      if (name !== 'inprocess') expect(report.pid).not.toBe(process.pid);

      const again = await (await pipelines.runner.start(definition, source)).done;
      expect(again.steps.every((s) => s.cacheHit)).toBe(true);
      const changed = await (await pipelines.runner.start(definition, source, { params: { rows: 3 } })).done;
      expect(changed.steps.find((s) => s.step === 'count')!.outputs.lines!.value).toBe(3);
      expect(changed.steps.some((s) => s.cacheHit)).toBe(false);
    });

    it('passes hostile param values to commands as data and keeps secret params out of logs and runs', async () => {
      const marker = join(tempDir('mloop-inject-'), 'pwned');
      const text = [
        'name: hostile',
        'params:',
        '  payload: ""',
        '  token: {secret: true}',
        'steps:',
        '  echo:',
        '    outputs: {plain: value, quoted: value}',
        '    command: |',
        '      printf %s ${params.payload} > ${outputs.plain}',
        '      printf "%s" "[${params.payload}]" > ${outputs.quoted}',
        '      echo "token is ${params.token}"',
        '',
      ].join('\n');
      const definition = parsePipelineYaml(text);
      const source = { kind: 'yaml' as const, path: '', text };
      await pipelines.register(definition, source);
      const payload = `{"a": 1} $(touch ${marker}) \`touch ${marker}\`; touch ${marker} ' " \n touch ${marker}`;
      const handle = await pipelines.runner.start(definition, source, {
        params: { payload, token: 'hunter2-secret' },
      });
      const run = await handle.done;
      expect(run.status, run.error).toBe('SUCCEEDED');
      expect(existsSync(marker)).toBe(false);
      expect(run.steps[0]!.outputs.plain!.value).toBe(payload.trim());
      expect(run.steps[0]!.outputs.quoted!.value).toBe(`[${payload}]`);
      const log = await pipelines.stepLog(run.id, 'echo');
      expect(log).toContain('MLOOP_PARAM_TOKEN=***');
      expect(log).toContain('token is ***');
      expect(log).not.toContain('hunter2');
      expect(run.params.token).toBe('***');
      expect((await pipelines.getRun(run.id)).params.token).toBe('***');
      const tracked = await platform.tracking.runs.get(run.steps[0]!.trackingRunId!);
      expect(tracked.data.params).toContainEqual({ key: 'token', value: '***' });
      const parent = await platform.tracking.runs.get(run.trackingRunId!);
      expect(parent.data.params).toContainEqual({ key: 'token', value: '***' });
    });

    it('kills a command past its timeout and cancels a running step', async () => {
      const text = `name: slow\nsteps:\n  wait:\n    timeout_ms: 400\n    command: sleep 30\n`;
      const slow = await (
        await pipelines.runner.start(parsePipelineYaml(text), { kind: 'yaml', path: '', text })
      ).done;
      expect(slow.status).toBe('FAILED');
      expect(slow.steps[0]!.error).toMatch(/timed out after 400 ms/);

      const longText = `name: long\nsteps:\n  wait:\n    command: sleep 30\n  after:\n    needs: [wait]\n    command: echo never\n`;
      const handle = await pipelines.runner.start(parsePipelineYaml(longText), {
        kind: 'yaml',
        path: '',
        text: longText,
      });
      const deadline = Date.now() + 10_000;
      while ((await pipelines.getRun(handle.id)).steps.find((s) => s.step === 'wait')!.status !== 'RUNNING') {
        if (Date.now() > deadline) throw new Error('the step never started');
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300)); // let a worker pick the job up
      const started = Date.now();
      await pipelines.cancel(handle.id);
      const run = await handle.done;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(run.status).toBe('CANCELLED');
      expect(run.steps.map((s) => s.status)).toEqual(['CANCELLED', 'CANCELLED']);
    });
  });
}

function startWorker(home: string, queue: string, output: string[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--redis', redisUrl!, '--queue', queue, '--concurrency', '2'],
    {
      env: { ...process.env, MLOOP_HOME: home, MLOOP_URL: '' },
      cwd: home,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes(`ready (pid ${child.pid}`)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output.join('')}`)));
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}
