import * as grpc from '@grpc/grpc-js';
import { oipGrpcPackage } from '../../src/api/serving/oip-grpc-schema.js';
import { eventually } from '../helpers/poll.js';
import type { ServerProcess } from '../helpers/server-process.js';

/** host:port of the server's gRPC listener, from the line it prints after the HTTP one. */
export function grpcAddressOf(server: ServerProcess): Promise<string> {
  return eventually(() => /gRPC: Open Inference Protocol on (\S+)/.exec(server.output())?.[1], {
    what: "the gRPC line in the server's output",
  });
}

/** Whether the Open Inference Protocol's ServerLive call at `address` answers live. */
export async function grpcServerLive(address: string): Promise<boolean> {
  const { inference } = grpc.loadPackageDefinition(oipGrpcPackage()) as unknown as {
    inference: {
      GRPCInferenceService: new (
        address: string,
        credentials: grpc.ChannelCredentials,
      ) => grpc.Client & {
        ServerLive(
          request: object,
          done: (error: grpc.ServiceError | null, reply?: { live: boolean }) => void,
        ): void;
      };
    };
  };
  const client = new inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<boolean>((resolve, reject) =>
      client.ServerLive({}, (error, reply) => (error ? reject(error) : resolve(reply?.live === true))),
    );
  } finally {
    client.close();
  }
}
