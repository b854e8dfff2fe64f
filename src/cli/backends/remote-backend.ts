import { MloopClient } from '../../sdk/client.js';
import type { TrackingBackend } from '../tracking-backend.js';

/** The CLI's operations through the SDK, against the server at `url`. */
export function remoteBackend(url: string): TrackingBackend {
  const client = new MloopClient({ url });
  return {
    location: client.url,
    experiments: client.experiments,
    runs: client.runs,
    models: client.models,
    close: async () => {},
  };
}
