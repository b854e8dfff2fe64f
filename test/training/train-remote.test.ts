import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { MloopClient } from '../../src/sdk/index.js';
import { runMloop } from '../helpers/cli.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

// Training runs in the caller's process; the server keeps the run, the package and the lineage.
describe('training recorded on a server (SDK and mloop train --url)', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let client: MloopClient;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    client = new MloopClient({ url: server.url });
    dir = tempDir('mloop-train-remote-');
    const random = seededRandom(9);
    const lines = ['size,color,bought'];
    for (let i = 0; i < 300; i++) {
      const size = Math.round(random() * 100);
      const color = ['red', 'blue'][Math.floor(random() * 2)]!;
      lines.push(`${size},${color},${size + (color === 'red' ? 25 : 0) > 60 ? 'yes' : 'no'}`);
    }
    writeFileSync(join(dir, 'shop.csv'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => server?.stop());

  it('trains on a server dataset version only once it passes the required suite, and serves the result', async () => {
    await client.datasets.add('shop', join(dir, 'shop.csv'));
    const tooFew = await client.datasetValidations.validate(
      'shop/1',
      { checks: [{ rows: { max: 10 } }] },
      {
        require: true,
      },
    );
    expect(tooFew.passed).toBe(false);
    const request = {
      data: 'shop/1',
      label: 'bought',
      model: 'gbdt',
      params: { max_iter: 20 },
      experiment: 'remote-training',
    };
    await expect(client.training.train(request)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringMatching(/dataset shop\/1 failed validation suite/),
    });

    await client.datasetValidations.validate(
      'shop/1',
      { checks: [{ rows: { min: 100 } }] },
      { require: true },
    );
    const trained = await client.training.train(request);
    expect(trained.metrics.accuracy).toBeGreaterThan(0.8);
    const run = await client.runs.get(trained.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.params).toContainEqual({ key: 'model', value: 'gbdt' });
    expect(run.data.metrics.find((m) => m.key === 'accuracy')?.value).toBeCloseTo(
      trained.metrics.accuracy!,
      9,
    );
    const version = await client.datasets.get('shop/1');
    expect(run.inputs.datasetInputs.map((d) => d.dataset)).toContainEqual(
      expect.objectContaining({ name: 'shop', sourceType: 'mloop', digest: version.digest }),
    );
    const files = (await client.runs.listArtifacts(trained.runId, 'model')).map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['model/MLmodel', 'model/mloop-model.json', 'model/model.onnx']),
    );

    const registered = await client.training.register('shop', trained.modelSource);
    expect(registered).toEqual({ name: 'shop', version: 1 });
    const model = await client.models.getVersion('shop', 1);
    expect(model.lineage.runId).toBe(trained.runId);
    expect(model.lineage.datasets.map((d) => d.name)).toEqual(['shop']);
    const answer = await fetch(`${server.url}/api/v1/serving/shop/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [
          { size: 95, color: 'red' },
          { size: 5, color: 'blue' },
        ],
      }),
    });
    expect(answer.status).toBe(200);
    const { predictions } = (await answer.json()) as { predictions: Array<{ label: string }> };
    expect(predictions.map((p) => p.label)).toEqual(['yes', 'no']);
  });

  /**
   * Runs `mloop COMMAND --url SERVER` on the shop data from a fresh directory whose embedded store
   * would be `.mloop`; checks it succeeded quietly and left no local store; answers its JSON.
   */
  async function onServer<T>(command: 'train' | 'tune', args: string[], files: Record<string, string> = {}) {
    const cwd = tempDir(`mloop-${command}-remote-cli-`);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
    const home = join(cwd, '.mloop');
    const common = [
      '--url',
      server.url,
      '--data',
      join(dir, 'shop.csv'),
      '--label',
      'bought',
      '--model',
      'logistic',
    ];
    const result = await runMloop(cwd, [command, ...common, ...args, '--json'], { home });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(home)).toBe(false);
    return JSON.parse(result.stdout) as T;
  }

  it('mloop train --url records the run and the model on the server, not in ./.mloop', async () => {
    const out = await onServer<{ runId: string; registered: { name: string; version: number } }>('train', [
      '--experiment',
      'remote-cli',
      '--register',
      'shop-cli',
    ]);
    expect(out.registered).toEqual({ name: 'shop-cli', version: 1 });
    expect((await client.runs.get(out.runId)).info.status).toBe('FINISHED');
    expect((await client.experiments.getByName('remote-cli')).experimentId).toBe(
      (await client.runs.get(out.runId)).info.experimentId,
    );
  });

  it('mloop tune --url records the parent run and its trials on the server', async () => {
    const out = await onServer<{ parentRunId: string; trials: Array<{ runId: string }> }>(
      'tune',
      ['--space', 'space.yaml', '--search', 'grid', '--experiment', 'remote-tune'],
      { 'space.yaml': 'l2: [0.001, 1]\n' },
    );
    expect(out.trials).toHaveLength(2);
    for (const trial of out.trials) {
      const run = await client.runs.get(trial.runId);
      expect(run.info.parentRunId).toBe(out.parentRunId);
      expect(run.info.status).toBe('FINISHED');
    }
    expect((await client.runs.get(out.parentRunId)).info.status).toBe('FINISHED');
  });
});
