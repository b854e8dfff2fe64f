import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { describeWithPython, runPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { grpcAddressOf } from './grpc-address.js';
import { makeOnnxModels, registerOnnxModels, type OnnxModels } from './onnx-models.js';

// tritonclient (pinned in scripts/requirements-test.txt) speaks the Open Inference Protocol to
// `mloop server` and `mloop serve` as Triton's users run it: over HTTP, JSON without a
// Content-Type, binary tensors behind Inference-Header-Content-Length, errors read from the
// protocol's `error` field; over gRPC (--grpc-port), raw tensor contents and gRPC statuses.
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SUITE = 'test/serving/oip-clients/test_tritonclient.py';
const TIMEOUT_MS = 3 * 60_000;

async function passesClientSuite(server: ServerProcess, models: OnnxModels): Promise<void> {
  const result = await runPython(['-m', 'pytest', SUITE, '-p', 'no:cacheprovider', '-q', '--tb=short'], {
    cwd: REPO,
    env: {
      ...process.env,
      MLOOP_OIP_HTTP: server.url.replace(/^http:\/\//, ''),
      MLOOP_OIP_GRPC: await grpcAddressOf(server),
      MLOOP_OIP_MODEL: 'iris',
      MLOOP_OIP_VERSION: '1',
      MLOOP_OIP_EXPECTED: join(models.dir, 'expected.json'),
      PYTHONDONTWRITEBYTECODE: '1',
    },
    timeoutMs: TIMEOUT_MS,
  });
  if (result.code !== 0)
    console.error(`${result.output}\n--- server output ---\n${server.output().slice(-10_000)}`);
  const failed = result.output.split('\n').filter((line) => /^(FAILED|ERROR) /.test(line));
  expect(result.code, [`pytest exited with ${result.code ?? result.signal}`, ...failed].join('\n')).toBe(0);
  expect(result.output).toMatch(/\d+ passed/);
}

describeWithPython('tritonclient against mloop', () => {
  let models: OnnxModels;
  let home: string;

  beforeAll(async () => {
    models = makeOnnxModels();
    home = tempDir('mloop-oip-clients-');
    const platform = await openPlatform(loadConfig({ home }, {}));
    try {
      await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
      await platform.registry.aliases.set('iris', 'champion', 1);
    } finally {
      await platform.close();
    }
  });

  for (const command of ['server', 'serve'] as const) {
    describeWithPython(`mloop ${command}`, () => {
      let server: ServerProcess;
      beforeAll(async () => {
        const args = ['--grpc-port', '0', ...(command === 'serve' ? ['iris@champion'] : [])];
        server = await startServer({ home, command, args });
      });
      afterAll(async () => server?.stop());

      it(
        'infers over HTTP (JSON and binary tensors) and gRPC, describes the model, answers errors as the protocol does',
        async () => passesClientSuite(server, models),
        TIMEOUT_MS + 10_000,
      );
    });
  }
});
