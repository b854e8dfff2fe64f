/**
 * `--grpc-port` of `mloop server` and `mloop serve`, the flag of the `grpcPort` setting: the config
 * loader checks the number, as it does MLOOP_GRPC_PORT's.
 */
export const grpcPortOption = {
  flags: '--grpc-port <port>',
  description:
    'also serve the Open Inference Protocol over gRPC on this port; 0 picks a free one (MLOOP_GRPC_PORT)',
  parse: (raw: string): number => Number(raw),
};
