import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/client.js';
import { describeWithPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { makeOnnxModels, registerOnnxModels } from '../serving/onnx-models.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { CLI } from '../helpers/cli.js';

describeWithPython('feedback through a real server: SDK and mloop feedback add --url', () => {
  let server: ServerProcess;
  let client: MloopClient;

  beforeAll(async () => {
    const home = tempDir('mloop-feedback-sdk-');
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    try {
      await registerOnnxModels(platform, makeOnnxModels(), 'iris', ['columns-v1']);
    } finally {
      await platform.close();
    }
    server = await startServer({ home });
    client = new MloopClient({ url: server.url });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('labels predictions right after they are served, reads labels and performance back', async () => {
    const models = makeOnnxModels();
    const res = await fetch(`${server.url}/api/v1/serving/iris/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: models.expected.rows.slice(0, 4) }),
    });
    const scored = ((await res.json()) as { predictions: Array<{ id: string; label: string }> }).predictions;
    const result = await client.feedback.attach(
      scored.slice(0, 3).map((p) => ({ predictionId: p.id, label: p.label })),
    );
    expect(result).toMatchObject({ received: 3, created: 3 });
    expect((await client.feedback.get(scored[0]!.id)).label).toBe(scored[0]!.label);
    await expect(
      client.feedback.attach([{ predictionId: 'pred_nope', label: 'setosa' }]),
    ).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      field: 'labels[0].prediction_id',
    });

    const report = await client.feedback.performance('iris', { window: '1h' });
    expect(report.overall[0]).toMatchObject({ version: 1, predictions: 4, labelled: 3 });
    expect(report.overall[0]!.classification!.accuracy).toBe(1);

    writeFileSync(
      join(server.home, 'late.csv'),
      `prediction_id,label\n${scored[3]!.id},${scored[3]!.label}\n`,
    );
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.MLOOP_URL;
      execFile(
        process.execPath,
        [CLI, 'feedback', 'add', join(server.home, 'late.csv'), '--url', server.url, '--json'],
        { env, timeout: 30_000 },
        (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
      );
    });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ rows: 1, created: 1 });
    const page = await client.feedback.labelledPredictions('iris');
    expect(page.items.map((p) => p.id).sort()).toEqual(scored.map((p) => p.id).sort());
  }, 60_000);
});
