import { describe, expect, it } from 'vitest';
import { pipeline } from '../../src/pipelines/definition.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';

describe('pipeline definitions', () => {
  it('reads YAML into the same structure as the TypeScript API, in topological order', () => {
    const definition = parsePipelineYaml(`
name: train-churn
params: {lr: 0.1}
steps:
  train:
    inputs: {data: ingest.data}
    outputs: {model: model}
    command: python train.py --data \${inputs.data} --lr \${params.lr} --out \${outputs.model}
    files: [train.py]
    retries: 2
    timeout_ms: 60000
  ingest:
    outputs: {data: dataset}
    command: python ingest.py --out \${outputs.data}
`);
    expect(definition.steps.map((s) => s.name)).toEqual(['ingest', 'train']);
    const train = definition.steps[1]!;
    expect(train).toMatchObject({
      needs: ['ingest'],
      inputs: { data: { step: 'ingest', output: 'data' } },
      retries: 2,
      timeoutMs: 60000,
      files: ['train.py'],
    });
    expect(definition.params).toEqual({ lr: 0.1 });
    const built = pipeline('train-churn')
      .param('lr', 0.1)
      .step('ingest', { outputs: { data: 'dataset' }, command: 'x' })
      .step('train', { inputs: { data: 'ingest.data' }, command: 'y' })
      .build();
    expect(built.steps.map((s) => s.needs)).toEqual([[], ['ingest']]);
  });

  it('reads a secret param as {default, secret: true}, its default empty when omitted', () => {
    const definition = parsePipelineYaml(
      'name: p\nparams:\n  lr: 0.1\n  token: {secret: true}\n  user: {default: ada}\nsteps:\n  a:\n    command: echo ${params.token}\n',
    );
    expect(definition.params).toEqual({ lr: 0.1, token: '', user: 'ada' });
    expect(definition.secretParams).toEqual(['token']);
    expect(() =>
      parsePipelineYaml('name: p\nparams:\n  token: {secret: yes please}\nsteps:\n  a: {command: x}\n'),
    ).toThrow(/params.token.secret must be true or false/);
    expect(() =>
      parsePipelineYaml('name: p\nparams:\n  token: {hidden: true}\nsteps:\n  a: {command: x}\n'),
    ).toThrow(/unknown field "hidden" of param "token"/);
  });

  it('refuses a placeholder inside single quotes, naming the step and the line', () => {
    expect(() =>
      parsePipelineYaml(
        "name: p\nparams: {x: 1}\nsteps:\n  train:\n    command: |\n      echo start\n      echo 'x=${params.x}'\n",
      ),
    ).toThrow(/step "train": \$\{params.x\} at line 2 of the command is inside single quotes/);
  });

  it('shows the whole parser message for a command holding ": ", with line, column and how to quote it', () => {
    const text = 'name: p\nsteps:\n  a:\n    command: echo ratio: 2\n';
    let message = '';
    try {
      parsePipelineYaml(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /^the pipeline file is not valid YAML at line 4, column 14: Nested mappings are not allowed in compact mappings\n/,
    );
    expect(message).toContain('    command: echo ratio: 2\n             ^');
    expect(message).toMatch(/must be quoted .*or written as a block: "command: \|"/);
    expect(message).not.toMatch(/:$/);
  });

  it.each([
    ['name: p\nsteps:\n  a:\n    command: x\n    retries: two\n', 'steps.a.retries', /whole number/],
    [
      'name: p\nsteps:\n  a:\n    command: x\n    inputs: {d: b.out}\n',
      'steps.a.inputs.d',
      /unknown step "b"/,
    ],
    [
      'name: p\nsteps:\n  a:\n    command: x\n  b:\n    command: y\n    inputs: {d: a.nope}\n',
      'steps.b.inputs.d',
      /has no output "nope"/,
    ],
    ['name: p\nsteps:\n  a:\n    command: x\n    outputs: {m: blob}\n', 'steps.a.outputs.m', /kind "blob"/],
    ['name: p\nsteps:\n  a:\n    commnd: x\n', 'steps.a.commnd', /unknown field "commnd"/],
    [
      'name: p\nsteps:\n  a:\n    needs: [b]\n    command: x\n  b:\n    needs: [a]\n    command: y\n',
      'steps.a.needs',
      /cycle: a → b → a/,
    ],
    ['name: p\nsteps:\n  a: {}\n', 'steps.a.run', /exactly one of "run" \(a function\) and "command"/],
    ['name: p\nsteps: [\n', 'yaml', /not valid YAML at line/],
    [
      'name: p\ntriggers: {cron: "* *"}\nsteps:\n  a: {command: x}\n',
      'triggers.cron',
      /is not a schedule of 5 fields/,
    ],
  ])('rejects %j naming %s', (text, field, message) => {
    try {
      parsePipelineYaml(text);
      if (message !== null) throw new Error('expected an error');
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field });
      if (message) expect((error as Error).message).toMatch(message);
    }
  });
});
