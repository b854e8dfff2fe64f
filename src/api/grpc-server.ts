import type { Platform } from '../platform.js';
import type { ModelAddress } from './serving/model-address.js';
import { listenOipGrpc, type OipGrpcServer } from './serving/oip-grpc.js';
import { grpcAccess } from './serving/oip-grpc-access.js';

/**
 * The Open Inference Protocol over gRPC beside an HTTP server (`--grpc-port`), on the same
 * interface, answering for the same models with the same tokens and roles.
 */
export function startGrpcServer(
  platform: Platform,
  address: ModelAddress,
  options: { host: string; port: number; auth: boolean; logger: { error(obj: object, msg: string): void } },
): Promise<OipGrpcServer> {
  return listenOipGrpc(
    platform.serving.predictions,
    address,
    { name: 'mloop', version: '0.1.0' },
    {
      host: options.host,
      port: options.port,
      access: grpcAccess(platform.governance, options.auth),
      maxMessageBytes: platform.config.bodyLimitBytes,
      onInternalError: (err) => options.logger.error({ err }, 'unhandled error in a gRPC call'),
    },
  );
}
