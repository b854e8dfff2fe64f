import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pipeline } from '../../src/pipelines/definition.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import { cacheHitTag, cacheKeyTag } from '../../src/pipelines/runner.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { testSource } from './pipeline-fixture.js';

describeEachDialect('pipeline runner', (dialect) => {
  let platform: Platform;
  let pipelines: PipelineService;
  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    pipelines = platformPipelineService(platform);
  });
  afterAll(() => platform.close());

  const runToEnd = async (
    p: ReturnType<typeof pipeline>,
    options: Parameters<PipelineService['runner']['start']>[2] = {},
  ) => {
    const handle = await pipelines.runner.start(p.build(), testSource(), options);
    return handle.done;
  };

  it('runs steps in dependency order, independent steps in parallel, passing outputs as inputs', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const parallel = async (name: string) => {
      events.push(`${name}:start`);
      if (++started === 2) release();
      await bothStarted; // would hang (and time out) if b and c ran one after the other
      events.push(`${name}:end`);
    };
    const run = await runToEnd(
      pipeline('dag')
        .step('d', {
          inputs: { x: 'b.n', y: 'c.n' },
          outputs: { sum: 'value' },
          run: (ctx) => ({ sum: (ctx.inputs.x as number) + (ctx.inputs.y as number) }),
        })
        .step('a', { outputs: { n: 'value' }, run: () => (events.push('a'), { n: 1 }) })
        .step('b', {
          inputs: { n: 'a.n' },
          outputs: { n: 'value' },
          run: async (ctx) => (await parallel('b'), { n: (ctx.inputs.n as number) + 10 }),
        })
        .step('c', {
          inputs: { n: 'a.n' },
          outputs: { n: 'value' },
          run: async (ctx) => (await parallel('c'), { n: (ctx.inputs.n as number) + 100 }),
        }),
      { noCache: true },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(events[0]).toBe('a');
    expect(events.slice(1, 3).sort()).toEqual(['b:start', 'c:start']);
    expect(run.steps.find((s) => s.step === 'd')!.outputs.sum!.value).toBe(112);
  });

  it('reuses a step whose code, params and inputs are unchanged, and reruns it when one changes or with noCache', async () => {
    let trains = 0;
    const counted = () =>
      pipeline('cached')
        .param('lr', 0.1)
        .step('prep', {
          outputs: { data: 'file' },
          run: (ctx) => writeFileSync(ctx.outputPath('data'), 'x,y\n1,2\n'),
        })
        .step('train', {
          inputs: { data: 'prep.data' },
          params: ['lr'],
          outputs: { model: 'file' },
          run: (ctx) => {
            trains++;
            writeFileSync(
              ctx.outputPath('model'),
              `model lr=${ctx.params.lr} on ${readFileSync(ctx.inputs.data as string, 'utf8').length}`,
            );
          },
        });
    const first = await runToEnd(counted());
    const second = await runToEnd(counted());
    expect(trains).toBe(1);
    const [t1, t2] = [first, second].map((r) => r.steps.find((s) => s.step === 'train')!);
    expect(t1!.cacheHit).toBe(false);
    expect(t2!.cacheHit).toBe(true);
    expect(t2!.cacheKey).toBe(t1!.cacheKey);
    expect(t2!.outputs.model!.digest).toBe(t1!.outputs.model!.digest);

    const otherParam = await runToEnd(counted(), { params: { lr: 0.5 } });
    expect(trains).toBe(2);
    expect(otherParam.steps.find((s) => s.step === 'train')!.cacheKey).not.toBe(t1!.cacheKey);

    await runToEnd(counted(), { noCache: true });
    expect(trains).toBe(3);

    const otherCode = await runToEnd(
      pipeline('cached')
        .param('lr', 0.1)
        .step('prep', {
          outputs: { data: 'file' },
          run: (ctx) => writeFileSync(ctx.outputPath('data'), 'x,y\n1,2\n3,4\n'),
        })
        .step('train', {
          inputs: { data: 'prep.data' },
          params: ['lr'],
          outputs: { model: 'file' },
          run: (ctx) => void (trains++, writeFileSync(ctx.outputPath('model'), 'm')),
        }),
    );
    const prep = otherCode.steps.find((s) => s.step === 'prep')!;
    expect(prep.cacheHit).toBe(false); // its code changed
    expect(otherCode.steps.find((s) => s.step === 'train')!.cacheHit).toBe(false); // its input changed
  });

  it("lists a run's steps in DAG order (not by name or start time), a skipped step in its place", async () => {
    const definition = pipeline('ordered')
      .step('load', { outputs: { v: 'value' }, run: () => ({ v: 1 }) })
      .step('audit', { run: () => undefined })
      .step('train', {
        inputs: { v: 'load.v' },
        outputs: { m: 'value' },
        run: () => {
          throw new Error('no convergence');
        },
      })
      .step('deploy', { inputs: { m: 'train.m' }, run: () => undefined })
      .build();
    const source = testSource();
    await pipelines.register(definition, source);
    const run = await (await pipelines.runner.start(definition, source, { noCache: true })).done;
    const order = ['load', 'audit', 'train', 'deploy'];
    expect(run.steps.map((s) => s.step)).toEqual(order);
    expect(run.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED', 'SKIPPED']);
    expect((await pipelines.getRun(run.id)).steps.map((s) => s.step)).toEqual(order);
  });

  it("keys a command's cache on the params it names: a param only train reads leaves prepare cached", async () => {
    const shell = () =>
      pipeline('param-scope')
        .param('rows', 3)
        .param('C', 0.1)
        .step('prepare', { outputs: { data: 'file' }, command: 'seq 1 ${params.rows} > ${outputs.data}' })
        .step('train', {
          inputs: { data: 'prepare.data' },
          outputs: { score: 'value' },
          command: 'echo ${params.C} > ${outputs.score}',
        });
    expect(
      shell()
        .build()
        .steps.map((s) => s.params),
    ).toEqual([['rows'], ['C']]);
    await runToEnd(shell(), { params: { C: '0.1' } });
    const changedC = await runToEnd(shell(), { params: { C: '0.2' } });
    const step = (name: string) => changedC.steps.find((s) => s.step === name)!;
    expect(step('prepare').cacheHit).toBe(true);
    expect(step('train').cacheHit).toBe(false);
    expect(step('train').outputs.score!.value).toBe(0.2);
    const changedRows = await runToEnd(shell(), { params: { rows: '4', C: '0.2' } });
    expect(changedRows.steps.map((s) => s.cacheHit)).toEqual([false, false]);
  });

  it('refuses a command naming an undeclared param, and a TypeScript step reading a param it did not declare', async () => {
    expect(() => pipeline('undeclared').step('a', { command: 'echo ${params.nope}' }).build()).toThrow(
      /refers to \$\{params.nope\}, which the pipeline does not declare/,
    );
    const run = await runToEnd(
      pipeline('ts-scope')
        .param('rows', 3)
        .param('C', 0.1)
        .step('prepare', { params: ['rows'], run: (ctx) => void ctx.params.C }),
      { noCache: true },
    );
    expect(run.steps[0]!.error).toMatch(/step "prepare" reads param "C" but declares params: \[rows\]/);
  });

  it('retries a failing step with exponential backoff', async () => {
    const times: number[] = [];
    const run = await runToEnd(
      pipeline('flaky').step('call', {
        retries: 3,
        backoffMs: 50,
        outputs: { ok: 'value' },
        run: (ctx) => {
          times.push(Date.now());
          if (ctx.attempt < 3) throw new Error(`transient failure ${ctx.attempt}`);
          return { ok: true };
        },
      }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(run.steps[0]!.attempt).toBe(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(95);
  });

  it('kills a shell step that runs past its timeout, with the process group', async () => {
    const marker = join(tempDir(), 'child-alive');
    const started = Date.now();
    const run = await runToEnd(
      pipeline('slow').step('sleep', { timeoutMs: 300, command: `(sleep 2; touch ${marker}) & sleep 30` }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.status).toBe('FAILED');
    expect(run.steps[0]!.error).toMatch(/timed out after 300 ms/);
    await new Promise((r) => setTimeout(r, 2300));
    expect(() => readFileSync(marker)).toThrow(); // the background child was killed too
  });

  it('runs a python command, shows its logs when it fails, and resumes from the failed step on rerun', async () => {
    const dir = tempDir();
    const flag = join(dir, 'fixed');
    let prepared = 0;
    const definition = pipeline('resume')
      .step('prep', { outputs: { rows: 'value' }, run: () => (prepared++, { rows: 3 }) })
      .step('train', {
        inputs: { rows: 'prep.rows' },
        outputs: { score: 'value' },
        command: `python3 -c "import os,sys; print('training on', sys.argv[1], 'rows'); os.path.exists(sys.argv[2]) or sys.exit('no data yet'); open(sys.argv[3],'w').write('0.9')" \${inputs.rows} ${flag} \${outputs.score}`,
      })
      .build();
    const source = testSource();
    const failed = await (await pipelines.runner.start(definition, source)).done;
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/step "train" failed: command exited with 1/);
    const log = await pipelines.stepLog(failed.id, 'train');
    expect(log).toContain('training on 3 rows');
    expect(log).toContain('no data yet');

    writeFileSync(flag, '');
    const resumed = await (await pipelines.runner.rerun(failed.id, definition, source)).done;
    expect(resumed.id).toBe(failed.id);
    expect(resumed.status).toBe('SUCCEEDED');
    expect(prepared).toBe(1);
    const train = resumed.steps.find((s) => s.step === 'train')!;
    expect(train.outputs.score!.value).toBe(0.9);
    expect(train.attempt).toBe(2);
  });

  it('cancels a running pipeline: the step is stopped and later steps do not run', async () => {
    const handle = await pipelines.runner.start(
      pipeline('cancel-me')
        .step('wait', {
          outputs: { v: 'value' },
          run: (ctx) =>
            new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () => reject(new Error('stopped'))),
            ),
        })
        .step('after', { inputs: { v: 'wait.v' }, run: () => undefined })
        .build(),
      testSource(),
    );
    const deadline = Date.now() + 5000;
    while ((await pipelines.getRun(handle.id)).steps.find((s) => s.step === 'wait')?.status !== 'RUNNING') {
      if (Date.now() > deadline) throw new Error('step never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    await pipelines.cancel(handle.id);
    const run = await handle.done;
    expect(run.status).toBe('CANCELLED');
    expect(run.steps.find((s) => s.step === 'wait')!.status).toBe('CANCELLED');
    expect(run.steps.find((s) => s.step === 'after')!.status).toBe('CANCELLED');
  });

  it('records each step as a nested tracked run of the pipeline run, in an experiment named after the pipeline', async () => {
    const run = await runToEnd(
      pipeline('tracked')
        .param('alpha', 2)
        .step('one', { outputs: { v: 'value' }, run: () => ({ v: 1 }) }),
    );
    const parent = await platform.tracking.runs.get(run.trackingRunId!);
    const experiment = await platform.tracking.experiments.getByName('tracked');
    expect(parent.info.experimentId).toBe(experiment.experimentId);
    expect(parent.info.status).toBe('FINISHED');
    const step = await platform.tracking.runs.get(run.steps[0]!.trackingRunId!);
    const tags = Object.fromEntries(step.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.parentRunId']).toBe(run.trackingRunId);
    expect(tags[cacheKeyTag]).toBe(run.steps[0]!.cacheKey);
    expect(tags[cacheHitTag]).toBe('false');
    expect(step.data.params).toContainEqual({ key: 'alpha', value: '2' });
    const files = await platform.tracking.artifacts.listForRun(step.info.runId, 'logs');
    expect(files.map((f) => f.path)).toEqual(['logs/attempt-1.log']);
  });

  it("logs a dataset passed between steps as the consuming run's dataset input, pointing at the producing run", async () => {
    const run = await runToEnd(
      pipeline('lineage')
        .step('prepare', {
          outputs: { table: 'dataset' },
          run: (ctx) => writeFileSync(ctx.outputPath('table'), 'a\n1\n'),
        })
        .step('train', {
          inputs: { table: 'prepare.table' },
          outputs: { model: 'model' },
          run: (ctx) => writeFileSync(ctx.outputPath('model'), 'm'),
        }),
    );
    const [prepare, train] = ['prepare', 'train'].map((n) => run.steps.find((s) => s.step === n)!);
    const trained = await platform.tracking.runs.get(train!.trackingRunId!);
    expect(trained.inputs.datasetInputs).toHaveLength(1);
    const input = trained.inputs.datasetInputs[0]!;
    expect(input.dataset).toMatchObject({ name: 'prepare.table', sourceType: 'mloop-pipeline' });
    expect(input.dataset.source).toContain(prepare!.trackingRunId!);
    expect(input.dataset.source).toBe(prepare!.outputs.table!.path);
  });
});
