import type {
  ArmStats,
  CandidateMode,
  Deployment,
  DeploymentEvent,
  RolloutBounds,
} from '../serving/deployments/types.js';
import type { HttpClient } from './http.js';

export interface CreateDeploymentOptions {
  name: string;
  /** The registered model both arms serve versions of. */
  model: string;
  /** Alias (`production`, the default) or version number of the primary arm. */
  primary?: string;
  description?: string;
  candidate?: CandidateOptions;
}

export interface CandidateOptions {
  /** Version number or alias of the same model. */
  version: string;
  mode: CandidateMode;
  /** 0..100; default 10 for canary, 50 for A/B, 100 for shadow. */
  percent?: number;
  /** Recorded in the deployment's history. */
  reason?: string;
}

export interface RolloutOptions {
  /** Candidate percentages, increasing, ending at 100; default [5, 25, 50, 100]. */
  steps?: number[];
  /** Requests the candidate serves per step before it is judged healthy; default 100. */
  minRequests?: number;
  /** Shortest step, in ms; default 5 minutes. */
  minDurationMs?: number;
  /** Default: at most 1% errors. */
  bounds?: RolloutBounds;
  reason?: string;
}

export interface LiveStats {
  sinceTime: number;
  primary: ArmStats;
  candidate: ArmStats;
  shadow: ArmStats;
}

/** A deployment's answer: the model route's answer plus the arm that gave it. */
export interface RoutedPrediction {
  request_id: string;
  model_name: string;
  model_version: string;
  predictions: Array<{
    id: string;
    label?: string | number;
    value?: number;
    probabilities?: Record<string, number>;
  }>;
  deployment: string;
  arm: 'primary' | 'candidate';
  /** The candidate was chosen but failed; the primary answered. */
  fell_back: boolean;
}

const base = '/api/v1/deployments';
const at = (name: string) => `${base}/${encodeURIComponent(name)}`;

/** Deployments on a mloop server: canary, shadow and A/B candidates, progressive rollouts, history. */
export class DeploymentsClient {
  constructor(private readonly http: HttpClient) {}

  /** Creates a deployment of a registered model; RESOURCE_ALREADY_EXISTS when the name is taken. */
  async create(options: CreateDeploymentOptions): Promise<Deployment> {
    return this.http.json<Deployment>('POST', base, { json: options });
  }

  async get(name: string): Promise<Deployment> {
    return this.http.json<Deployment>('GET', at(name));
  }

  /** Every deployment, by name. */
  async list(): Promise<Deployment[]> {
    return (await this.http.json<{ deployments: Deployment[] }>('GET', base)).deployments;
  }

  /** Changes the primary arm (alias or version number) or the description. */
  async update(
    name: string,
    changes: { primary?: string; description?: string; reason?: string },
  ): Promise<Deployment> {
    return this.http.json<Deployment>('PATCH', at(name), { json: changes });
  }

  /** Deletes a deployment; its history stays readable. */
  async delete(name: string): Promise<void> {
    await this.http.json('DELETE', at(name));
  }

  /** Sets or replaces the candidate arm; INVALID_STATE while a rollout runs. */
  async setCandidate(name: string, candidate: CandidateOptions): Promise<Deployment> {
    return this.http.json<Deployment>('PUT', `${at(name)}/candidate`, { json: candidate });
  }

  async clearCandidate(name: string): Promise<Deployment> {
    return this.http.json<Deployment>('DELETE', `${at(name)}/candidate`);
  }

  /** Drops the candidate's share to 0 (stopping a running rollout) and marks the deployment rolled back. */
  async rollBack(name: string, reason?: string): Promise<Deployment> {
    return this.http.json<Deployment>('POST', `${at(name)}/rollback`, { json: reason ? { reason } : {} });
  }

  /** Starts a progressive rollout of the candidate; the server advances, promotes or rolls it back. */
  async startRollout(name: string, options: RolloutOptions = {}): Promise<Deployment> {
    return this.http.json<Deployment>('POST', `${at(name)}/rollout`, { json: options });
  }

  async abortRollout(name: string, reason?: string): Promise<Deployment> {
    return this.http.json<Deployment>('POST', `${at(name)}/rollout/abort`, {
      json: reason ? { reason } : {},
    });
  }

  /** The deployment's history, oldest first. */
  async events(
    name: string,
    options: { afterId?: number; maxResults?: number } = {},
  ): Promise<DeploymentEvent[]> {
    const page = await this.http.json<{ events: DeploymentEvent[] }>('GET', `${at(name)}/events`, {
      query: options,
    });
    return page.events;
  }

  /**
   * Scores records (feature name → value) through the deployment's router. `key` (a user or
   * session id) keeps an A/B caller on one arm and is logged with each prediction.
   */
  async predict(
    name: string,
    records: Array<Record<string, unknown>>,
    key?: string,
  ): Promise<RoutedPrediction> {
    return this.http.json<RoutedPrediction>('POST', `${at(name)}/predict`, {
      json: { records, ...(key ? { key } : {}) },
    });
  }

  /** Per-arm statistics the server measured: over the running rollout step, else recent ones. */
  async stats(name: string, options: { windowMs?: number } = {}): Promise<LiveStats> {
    return this.http.json<LiveStats>('GET', `${at(name)}/stats`, { query: options });
  }
}
