import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { eventually, until } from '../helpers/poll.js';
import { describeWithPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { makeOnnxModels, registerOnnxModels, type OnnxModels } from './onnx-models.js';

// A model server on another machine: it shares no database or artifact directory with the
// registry, only its URL, as MLflow serves models:/NAME@ALIAS from MLFLOW_TRACKING_URI.
describeWithPython('mloop serve NAME@ALIAS --url: serving from a registry server', () => {
  let models: OnnxModels;
  let registry: Platform;
  let registryServer: ServerProcess;
  let modelServer: ServerProcess;

  beforeAll(async () => {
    models = makeOnnxModels();
    const registryHome = tempDir('mloop-registry-');
    registry = await openPlatform(loadConfig({ home: registryHome }, {}));
    await registerOnnxModels(registry, models, 'iris', ['columns-v1', 'columns-v2']);
    await registry.registry.aliases.set('iris', 'champion', 1);
    registryServer = await startServer({ home: registryHome });
    modelServer = await startServer({
      home: tempDir('mloop-model-server-'),
      command: 'serve',
      args: ['iris@champion', '--tracking-uri', registryServer.url, '--refresh-interval', '50'],
    });
  });
  afterAll(async () => {
    await modelServer?.stop();
    await registryServer?.stop();
    await registry?.close();
  });

  const predict = async () => {
    const response = await fetch(`${modelServer.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: models.expected.rows }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { model_version: string; predictions: Array<{ label: string }> };
  };

  it('answers with the aliased version it downloaded from the server', async () => {
    // Its own home holds no model: what it serves can only have come from the registry server.
    await until(() => modelServer.output().includes(`registry: ${registryServer.url}`), {
      what: 'the model server to name its registry',
    });
    const body = await predict();
    expect(body.model_version).toBe('1');
    expect(body.predictions.map((p) => p.label)).toEqual(models.expected.models['columns-v1'].labels);
  });

  it('follows the alias when it moves on the server', async () => {
    await registry.registry.aliases.set('iris', 'champion', 2);
    const moved = await eventually(async () => ((await predict()).model_version === '2' ? true : undefined), {
      what: 'the model server to answer with version 2',
      timeoutMs: 20_000,
    });
    expect(moved).toBe(true);
    expect((await predict()).predictions.map((p) => p.label)).toEqual(
      models.expected.models['columns-v2'].labels,
    );
  });
});
