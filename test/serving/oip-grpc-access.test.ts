import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registryAddress } from '../../src/api/serving/model-address.js';
import { listenOipGrpc, type OipGrpcServer } from '../../src/api/serving/oip-grpc.js';
import { grpcAccess } from '../../src/api/serving/oip-grpc-access.js';
import { oipGrpcPackage } from '../../src/api/serving/oip-grpc-schema.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, registerOnnxModels } from './onnx-models.js';

type Call = (
  request: object,
  metadata: grpc.Metadata,
  done: (error: grpc.ServiceError | null) => void,
) => void;
type Client = grpc.Client & Record<'ServerLive' | 'ModelMetadata' | 'ModelInfer', Call>;

describeWithPython('the gRPC Open Inference Protocol with tokens on', () => {
  describeEachDialect('tokens and roles', (dialect) => {
    let platform: Platform;
    let server: OipGrpcServer;
    let client: Client;
    const secrets: Record<string, string> = {};

    beforeAll(async () => {
      platform = await openTestPlatform(dialect);
      await registerOnnxModels(platform, makeOnnxModels(), 'iris', ['columns-v1']);
      const { projects, tokens } = platform.governance;
      await projects.assign('model', 'iris', 'fraud');
      await projects.setMember('fraud', 'fraud-viewer', 'viewer');
      await projects.setMember('fraud', 'fraud-editor', 'editor');
      await projects.setMember('default', 'default-editor', 'editor');
      for (const user of ['fraud-viewer', 'fraud-editor', 'default-editor'])
        secrets[user] = (await tokens.create({ name: user, user })).secret;
      server = await listenOipGrpc(
        platform.serving.predictions,
        registryAddress(),
        { name: 'mloop', version: '0.1.0' },
        {
          host: '127.0.0.1',
          port: 0,
          access: grpcAccess(platform.governance, true),
          maxMessageBytes: 1 << 20,
          onInternalError: () => {},
        },
      );
      const { inference } = grpc.loadPackageDefinition(oipGrpcPackage()) as unknown as {
        inference: {
          GRPCInferenceService: new (address: string, credentials: grpc.ChannelCredentials) => Client;
        };
      };
      client = new inference.GRPCInferenceService(
        `127.0.0.1:${server.port}`,
        grpc.credentials.createInsecure(),
      );
    });
    afterAll(async () => {
      client?.close();
      await server?.close();
      await platform?.close();
    });

    /** The gRPC status of a call made with `user`'s token (none when undefined); 0 when it succeeded. */
    const statusOf = (
      method: 'ServerLive' | 'ModelMetadata' | 'ModelInfer',
      request: object,
      user?: string,
    ) =>
      new Promise<number>((resolve) => {
        const metadata = new grpc.Metadata();
        if (user) metadata.set('authorization', `Bearer ${secrets[user]}`);
        client[method](request, metadata, (error) => resolve(error ? error.code : grpc.status.OK));
      });
    const infer = {
      model_name: 'iris',
      inputs: [{ name: 'sepal_length', datatype: 'FP32', shape: [1], contents: { fp32_contents: [5.1] } }],
    };

    it('answers liveness to anyone and refuses other calls without a token', async () => {
      expect(await statusOf('ServerLive', {})).toBe(grpc.status.OK);
      expect(await statusOf('ModelMetadata', { name: 'iris' })).toBe(grpc.status.UNAUTHENTICATED);
      expect(await statusOf('ModelInfer', infer)).toBe(grpc.status.UNAUTHENTICATED);
    });

    it('judges a call in the project of the model it names, as the HTTP routes do', async () => {
      expect(await statusOf('ModelMetadata', { name: 'iris' }, 'fraud-viewer')).toBe(grpc.status.OK);
      expect(await statusOf('ModelMetadata', { name: 'iris' }, 'default-editor')).toBe(
        grpc.status.PERMISSION_DENIED,
      );
      expect(await statusOf('ModelInfer', infer, 'default-editor')).toBe(grpc.status.PERMISSION_DENIED);
      // Past the access check, the request itself is judged: the other features are missing.
      expect(await statusOf('ModelInfer', infer, 'fraud-editor')).toBe(grpc.status.INVALID_ARGUMENT);
    });
  });
});
