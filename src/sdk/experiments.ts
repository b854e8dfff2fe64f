import type { Experiment, Page, Tag, ViewType } from '../tracking/types.js';
import type { HttpClient } from './http.js';

export interface CreateExperimentOptions {
  name: string;
  artifactLocation?: string;
  tags?: Tag[];
}

export interface SearchExperimentsOptions {
  /** `name = '…'`, `name LIKE '…'` and `tags.KEY = '…'`, joined by AND. */
  filter?: string;
  /** e.g. `['name ASC']`, `['creation_time DESC']`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  /** ACTIVE_ONLY by default. */
  viewType?: ViewType;
}

const base = '/api/v1/experiments';
const at = (id: string) => `${base}/${encodeURIComponent(id)}`;

/** Experiments on a mloop server: named groups of runs, with tags and a restorable delete. */
export class ExperimentsClient {
  constructor(private readonly http: HttpClient) {}

  /** Creates an experiment; fails with RESOURCE_ALREADY_EXISTS when the name is taken (even by a deleted one). */
  async create(options: CreateExperimentOptions): Promise<Experiment> {
    return this.http.json<Experiment>('POST', base, { json: options });
  }

  /** The experiment with this id; RESOURCE_DOES_NOT_EXIST when there is none. */
  async get(experimentId: string): Promise<Experiment> {
    return this.http.json<Experiment>('GET', at(experimentId));
  }

  /** The experiment with this exact name, active or deleted; RESOURCE_DOES_NOT_EXIST when there is none. */
  async getByName(name: string): Promise<Experiment> {
    return this.http.json<Experiment>('GET', `${base}/by-name/${encodeURIComponent(name)}`);
  }

  /** One page of experiments matching a filter; pass `nextPageToken` back as `pageToken` for the next. */
  async search(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const { viewType, ...rest } = options;
    const page = await this.http.json<{ experiments: Experiment[]; nextPageToken?: string }>('GET', base, {
      query: { ...rest, view: viewType },
    });
    return { items: page.experiments, nextPageToken: page.nextPageToken };
  }

  /** Renames an active experiment and returns it. */
  async rename(experimentId: string, newName: string): Promise<Experiment> {
    return this.http.json<Experiment>('PATCH', at(experimentId), { json: { name: newName } });
  }

  /** Soft-deletes an experiment and its runs; `restore` brings them back. */
  async delete(experimentId: string): Promise<void> {
    await this.http.json('DELETE', at(experimentId));
  }

  /** Restores a deleted experiment and its runs. */
  async restore(experimentId: string): Promise<void> {
    await this.http.json('POST', `${at(experimentId)}/restore`);
  }

  /** Sets (or overwrites) a tag on an active experiment. */
  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.json('PUT', `${at(experimentId)}/tags/${encodeURIComponent(key)}`, { json: { value } });
  }

  /** Removes a tag from an active experiment; RESOURCE_DOES_NOT_EXIST when it has no such tag. */
  async deleteTag(experimentId: string, key: string): Promise<void> {
    await this.http.json('DELETE', `${at(experimentId)}/tags/${encodeURIComponent(key)}`);
  }
}
