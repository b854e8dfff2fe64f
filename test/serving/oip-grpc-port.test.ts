import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { grpcAddressOf, grpcServerLive } from './grpc-address.js';
import { makeOnnxModels, registerOnnxModels } from './onnx-models.js';

// The gRPC port is a setting like the HTTP one: MLOOP_GRPC_PORT (a container's environment, the
// Helm chart's ConfigMap) starts the listener as --grpc-port does, and the flag wins over it.
describe('MLOOP_GRPC_PORT', () => {
  const started: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  it('starts the gRPC listener of mloop server', async () => {
    const server = await startServer({ env: { MLOOP_GRPC_PORT: '0' } });
    started.push(server);
    expect(await grpcServerLive(await grpcAddressOf(server))).toBe(true);
  });

  it('gives way to --grpc-port', async () => {
    const server = await startServer({ env: { MLOOP_GRPC_PORT: 'not-a-port' }, args: ['--grpc-port', '0'] });
    started.push(server);
    expect(await grpcServerLive(await grpcAddressOf(server))).toBe(true);
  });

  it('refuses a value that is not a port, naming the setting', async () => {
    await expect(startServer({ env: { MLOOP_GRPC_PORT: '70000' } })).rejects.toThrow(
      /grpc port must be an integer between 0 and 65535, got 70000/,
    );
  });

  describeWithPython('mloop serve', () => {
    let home: string;
    beforeAll(async () => {
      home = tempDir('mloop-grpc-port-');
      const platform = await openPlatform(loadConfig({ home }, {}));
      try {
        await registerOnnxModels(platform, makeOnnxModels(), 'iris', ['columns-v1']);
      } finally {
        await platform.close();
      }
    });

    it('starts its gRPC listener too', async () => {
      const server = await startServer({
        home,
        command: 'serve',
        args: ['iris'],
        env: { MLOOP_GRPC_PORT: '0' },
      });
      started.push(server);
      expect(await grpcServerLive(await grpcAddressOf(server))).toBe(true);
    });
  });
});
