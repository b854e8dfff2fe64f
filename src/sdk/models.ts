import { parseModelRef } from '../registry/model-ref.js';
import type { ConversionResult } from '../registry/conversion/model-conversions.js';
import type { ModelVersion, Promotion, RegisteredModel } from '../registry/types.js';
import type { Page, Tag } from '../tracking/types.js';
import type { HttpClient } from './http.js';

export interface CreateModelOptions {
  name: string;
  description?: string;
  tags?: Tag[];
}

export interface SearchModelsOptions {
  /** `name LIKE 'churn-%'`, `tags.team = 'fraud'`, joined by AND. */
  filter?: string;
  /** e.g. `['name ASC']`, `['last_updated_timestamp DESC']`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/**
 * Which files become the new version: a run's artifact path (`runId` + `artifactPath`), an MLflow 3
 * logged model (`loggedModelId`), or a `source` URI (`runs:/RUN/PATH`, `models:/…`, `mlflow-artifacts:/…`).
 */
export interface CreateVersionOptions {
  runId?: string;
  artifactPath?: string;
  loggedModelId?: string;
  source?: string;
  description?: string;
  tags?: Tag[];
}

/** How to retry the ONNX conversion of an MLflow model's version. */
export interface ConvertVersionOptions {
  /** Rows to check the conversion on, as CSV text with a header (default: the model's input example). */
  sampleCsv?: string;
  /** The ONNX opset to target (default 17). */
  targetOpset?: number;
}

const base = '/api/v1/models';
const at = (name: string) => `${base}/${encodeURIComponent(name)}`;
const versionAt = (name: string, version: number) => `${at(name)}/versions/${version}`;

/** The model registry on a mloop server: registered models, versions with lineage, aliases and their history. */
export class ModelsClient {
  constructor(private readonly http: HttpClient) {}

  /** Creates a registered model; RESOURCE_ALREADY_EXISTS when the name is taken. */
  async create(options: CreateModelOptions): Promise<RegisteredModel> {
    return this.http.json<RegisteredModel>('POST', base, { json: options });
  }

  /** The registered model with this name, with its tags, aliases and latest version number. */
  async get(name: string): Promise<RegisteredModel> {
    return this.http.json<RegisteredModel>('GET', at(name));
  }

  /** One page of registered models; pass `nextPageToken` back as `pageToken` for the next. */
  async search(options: SearchModelsOptions = {}): Promise<Page<RegisteredModel>> {
    const page = await this.http.json<{ models: RegisteredModel[]; nextPageToken?: string }>('GET', base, {
      query: { ...options },
    });
    return { items: page.models, nextPageToken: page.nextPageToken };
  }

  /** Renames a model; its versions, aliases and history follow. */
  async rename(name: string, newName: string): Promise<RegisteredModel> {
    return this.http.json<RegisteredModel>('PATCH', at(name), { json: { name: newName } });
  }

  async updateDescription(name: string, description: string): Promise<RegisteredModel> {
    return this.http.json<RegisteredModel>('PATCH', at(name), { json: { description } });
  }

  /** Deletes a model with its versions; its promotion history stays. */
  async delete(name: string): Promise<void> {
    await this.http.json('DELETE', at(name));
  }

  async setTag(name: string, key: string, value: string): Promise<void> {
    await this.http.json('PUT', `${at(name)}/tags/${encodeURIComponent(key)}`, { json: { value } });
  }

  async deleteTag(name: string, key: string): Promise<void> {
    await this.http.json('DELETE', `${at(name)}/tags/${encodeURIComponent(key)}`);
  }

  /** Registers files as the model's next version (READY once the files were found). */
  async createVersion(name: string, options: CreateVersionOptions): Promise<ModelVersion> {
    return this.http.json<ModelVersion>('POST', `${at(name)}/versions`, { json: options });
  }

  /**
   * Retries the ONNX conversion of an MLflow scikit-learn, XGBoost or LightGBM model: a passing one
   * is served from then on; the answer holds the version and the conversion tried.
   */
  async convertVersion(
    name: string,
    version: number,
    options: ConvertVersionOptions = {},
  ): Promise<ConversionResult> {
    return this.http.json<ConversionResult>('POST', `${versionAt(name, version)}/convert`, { json: options });
  }

  /** One version, with its lineage (run, datasets, git commit, packages) and storage path. */
  async getVersion(name: string, version: number): Promise<ModelVersion> {
    return this.http.json<ModelVersion>('GET', versionAt(name, version));
  }

  /** One page of a model's versions, newest first. */
  async listVersions(
    name: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<ModelVersion>> {
    const page = await this.http.json<{ versions: ModelVersion[]; nextPageToken?: string }>(
      'GET',
      `${at(name)}/versions`,
      { query: { ...options } },
    );
    return { items: page.versions, nextPageToken: page.nextPageToken };
  }

  async updateVersionDescription(name: string, version: number, description: string): Promise<ModelVersion> {
    return this.http.json<ModelVersion>('PATCH', versionAt(name, version), { json: { description } });
  }

  /** Deletes a version; aliases pointing at it are removed (and recorded with `reason`). */
  async deleteVersion(name: string, version: number, options: { reason?: string } = {}): Promise<void> {
    await this.http.json('DELETE', versionAt(name, version), { query: { reason: options.reason } });
  }

  async setVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    await this.http.json('PUT', `${versionAt(name, version)}/tags/${encodeURIComponent(key)}`, {
      json: { value },
    });
  }

  async deleteVersionTag(name: string, version: number, key: string): Promise<void> {
    await this.http.json('DELETE', `${versionAt(name, version)}/tags/${encodeURIComponent(key)}`);
  }

  /**
   * Points an alias at a version, atomically, and returns the promotion record (undefined when
   * the alias already pointed there).
   */
  async setAlias(
    name: string,
    alias: string,
    version: number,
    options: { reason?: string; force?: boolean } = {},
  ): Promise<Promotion | undefined> {
    const answer = await this.http.json<{ promotion?: Promotion }>(
      'PUT',
      `${at(name)}/aliases/${encodeURIComponent(alias)}`,
      {
        json: {
          version,
          ...(options.reason ? { reason: options.reason } : {}),
          ...(options.force ? { force: true } : {}),
        },
      },
    );
    return answer.promotion;
  }

  /** Removes an alias; undefined when there was none. */
  async deleteAlias(
    name: string,
    alias: string,
    options: { reason?: string } = {},
  ): Promise<Promotion | undefined> {
    const answer = await this.http.json<{ promotion?: Promotion }>(
      'DELETE',
      `${at(name)}/aliases/${encodeURIComponent(alias)}`,
      { query: { reason: options.reason } },
    );
    return answer.promotion;
  }

  /** The version an alias points at. */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.http.json<ModelVersion>('GET', `${at(name)}/aliases/${encodeURIComponent(alias)}`);
  }

  /** Every alias move and stage transition of a model, newest first; kept after deletes. */
  async history(name: string, options: { alias?: string } = {}): Promise<Promotion[]> {
    const answer = await this.http.json<{ promotions: Promotion[] }>('GET', `${at(name)}/history`, {
      query: { alias: options.alias },
    });
    return answer.promotions;
  }

  /** The version `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest` (or their `models:/` forms) names. */
  async resolve(ref: string): Promise<ModelVersion> {
    const parsed = parseModelRef(ref);
    if ('version' in parsed) return this.getVersion(parsed.name, parsed.version);
    return this.getVersionByAlias(parsed.name, 'alias' in parsed ? parsed.alias : 'latest');
  }
}
