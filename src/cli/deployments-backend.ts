import { loadConfig, type Config } from '../core/config.js';
import { withNotFoundHint } from '../core/errors.js';
import type {
  CandidateOptions,
  CreateDeploymentOptions,
  LiveStats,
  RolloutOptions,
} from '../sdk/deployments.js';
import type { Deployment, DeploymentEvent } from '../serving/deployments/types.js';

/**
 * The deployment operations the CLI uses, in-process on the embedded store or through the SDK
 * against a server. The SDK's `DeploymentsClient` fits it as it is.
 */
export interface DeploymentOperations {
  create(options: CreateDeploymentOptions): Promise<Deployment>;
  get(name: string): Promise<Deployment>;
  list(): Promise<Deployment[]>;
  update(
    name: string,
    changes: { primary?: string; description?: string; reason?: string },
  ): Promise<Deployment>;
  delete(name: string): Promise<void>;
  setCandidate(name: string, candidate: CandidateOptions): Promise<Deployment>;
  clearCandidate(name: string): Promise<Deployment>;
  rollBack(name: string, reason?: string): Promise<Deployment>;
  startRollout(name: string, options?: RolloutOptions): Promise<Deployment>;
  abortRollout(name: string, reason?: string): Promise<Deployment>;
  events(name: string, options?: { afterId?: number; maxResults?: number }): Promise<DeploymentEvent[]>;
}

export interface DeploymentsBackend {
  /** Where the data lives (a directory or a URL), for messages. */
  readonly location: string;
  readonly deployments: DeploymentOperations;
  /**
   * Live per-arm statistics, which only a server measures; undefined on the embedded store,
   * where no requests are served.
   */
  stats(name: string): Promise<LiveStats | undefined>;
  /** True when a server runs rollouts; false on the embedded store. */
  readonly remote: boolean;
  close(): Promise<void>;
}

/** The server at `config.url` when one is set, else the embedded store under `config.home`. */
export async function openDeploymentsBackend(config: Config): Promise<DeploymentsBackend> {
  if (config.url) {
    const { MloopClient } = await import('../sdk/client.js');
    const client = new MloopClient({ url: config.url });
    return {
      location: client.url,
      deployments: client.deployments,
      stats: (name) => client.deployments.stats(name),
      remote: true,
      close: async () => {},
    };
  }
  const { openPlatform } = await import('../platform.js');
  const platform = await openPlatform(config);
  const { deployments, rollouts } = platform.deployments;
  return {
    location: config.home,
    deployments: {
      create: (options) => deployments.create(options),
      get: (name) => deployments.get(name),
      list: () => deployments.list(),
      update: (name, { reason, ...changes }) => deployments.update(name, changes, { reason }),
      delete: (name) => deployments.delete(name),
      setCandidate: (name, { reason, ...candidate }) => deployments.setCandidate(name, candidate, { reason }),
      clearCandidate: (name) => deployments.clearCandidate(name),
      rollBack: (name, reason) => deployments.rollBack(name, { reason }),
      startRollout: (name, { reason, ...plan } = {}) => rollouts.start(name, plan, reason),
      abortRollout: (name, reason) => rollouts.abort(name, reason),
      events: (name, options) => deployments.listEvents(name, options),
    },
    stats: async () => undefined,
    remote: false,
    close: () => platform.close(),
  };
}

/** Added to not-found messages of deployment commands. */
export const listHint = 'see `mloop deployments list`';

/**
 * Runs a command's work against the backend its options select (`--url`, else MLOOP_URL, else
 * the embedded store), closing it afterwards; `notFoundHint` is added to not-found messages.
 */
export async function withDeployments<T>(
  options: { url?: string | undefined },
  work: (backend: DeploymentsBackend) => Promise<T>,
  notFoundHint?: string,
): Promise<T> {
  const backend = await openDeploymentsBackend(loadConfig(options.url ? { url: options.url } : {}));
  try {
    return await work(backend);
  } catch (error) {
    throw notFoundHint ? withNotFoundHint(error, notFoundHint) : error;
  } finally {
    await backend.close();
  }
}
