import { invalidParameter } from '../core/errors.js';

/** `--grpc-port` of `mloop server` and `mloop serve`: a port number, 0 picking a free one. */
export const grpcPortOption = {
  flags: '--grpc-port <port>',
  description: 'also serve the Open Inference Protocol over gRPC on this port (0 picks a free one)',
  parse(raw: string): number {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw invalidParameter('grpc-port', `--grpc-port must be a port number (0 to 65535), got "${raw}"`);
    return port;
  },
};
