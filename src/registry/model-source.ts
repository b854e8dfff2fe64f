import { invalidParameter, isMloopError } from '../core/errors.js';
import { joinArtifactPath, normalizeArtifactPath } from '../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { proxiedScheme, storePathOf } from '../tracking/artifacts.js';
import type { LoggedModelService } from '../tracking/logged-models.js';
import type { RunService } from '../tracking/runs.js';
import type { LoggedModel } from '../tracking/types.js';
import { parseModelRef, type ModelRef } from './model-ref.js';
import type { ModelVersion } from './types.js';

/** Where a new version's files are, as the client named them. */
export interface SourceRequest {
  /** `runs:/RUN/PATH`, `models:/m-…` (a logged model), `models:/NAME/VERSION`, `mlflow-artifacts:/…`. */
  source?: string | undefined;
  /** The run that made the model; with `artifactPath`, the native way to name the files. */
  runId?: string | undefined;
  artifactPath?: string | undefined;
  /** The MLflow 3 logged model the files belong to. */
  loggedModelId?: string | undefined;
}

export interface ResolvedSource {
  /** The source as the version records it. */
  source: string;
  /** Store-relative directory of the files; undefined when mloop holds none (see `noFiles`). */
  storagePath: string | undefined;
  runId: string | undefined;
  loggedModelId: string | undefined;
  /** Why mloop holds no files for the source (a foreign store, an unknown run): registered all the same. */
  noFiles?: string | undefined;
}

const sourceForms = 'runs:/RUN_ID/PATH, models:/MODEL_ID, models:/NAME/VERSION or mlflow-artifacts:/PATH';

/**
 * Turns the many ways a client names a model's files into one store-relative directory, and
 * finds the run and logged model behind them for lineage. A source whose files mloop does not
 * hold (another store's URI, a run or logged model this server never saw) is registered as
 * MLflow registers it, as given, with the reason mloop cannot serve it: only files mloop holds
 * can be checked and served.
 */
export class ModelSources {
  constructor(
    private readonly runs: RunService,
    private readonly loggedModels: LoggedModelService,
    private readonly store: ArtifactStore,
    private readonly findVersion: (ref: ModelRef) => Promise<ModelVersion>,
  ) {}

  async resolve(request: SourceRequest): Promise<ResolvedSource> {
    const resolved = await this.locate(request).catch((error: unknown) => {
      // A run or logged model this server does not know: MLflow records the source as given.
      if (!isMloopError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST' || isModelRef(request.source))
        throw error;
      return foreign(request, error.message);
    });
    if (request.runId && resolved.runId && request.runId !== resolved.runId) {
      throw invalidParameter(
        'run_id',
        `Invalid model version source: '${resolved.source}'. The run_id request parameter must identify the run that contains the source.`,
      );
    }
    if (request.loggedModelId && resolved.loggedModelId && request.loggedModelId !== resolved.loggedModelId) {
      throw invalidParameter(
        'model_id',
        `Invalid model version source: '${resolved.source}'. The model_id request parameter must identify the logged model that contains the source.`,
      );
    }
    const ids = {
      runId: resolved.runId ?? request.runId,
      loggedModelId: resolved.loggedModelId ?? request.loggedModelId,
    };
    if (resolved.storagePath === undefined) return { ...resolved, ...ids };
    if ((await this.store.list(resolved.storagePath)).length === 0) {
      return { ...resolved, ...ids, storagePath: undefined, noFiles: `no files at '${resolved.source}'` };
    }
    return { ...resolved, ...ids };
  }

  private async locate(request: SourceRequest): Promise<ResolvedSource> {
    const source = request.source?.trim() ?? '';
    if (source === '') {
      if (request.runId && request.artifactPath !== undefined)
        return this.fromRun(
          request.runId,
          request.artifactPath,
          `runs:/${request.runId}/${request.artifactPath}`,
        );
      if (request.loggedModelId)
        return this.fromLoggedModel(await this.loggedModels.get(request.loggedModelId), '');
      throw invalidParameter('source', `a source is required: ${sourceForms}`);
    }
    if (source.startsWith('runs:/')) {
      const [runId = '', ...path] = source.slice('runs:/'.length).replace(/^\/+/, '').split('/');
      if (runId === '') throw invalidParameter('source', `"${source}" names no run: use runs:/RUN_ID/PATH`);
      return this.fromRun(runId, path.join('/'), source);
    }
    if (source.startsWith('models:/')) {
      const body = source.slice('models:/'.length);
      if (/^m-[0-9a-f]+$/.test(body)) {
        const model = await this.loggedModels.get(body);
        return { ...this.fromLoggedModel(model, ''), source };
      }
      const version = await this.findVersion(parseModelRef(source, 'source'));
      return {
        source: `models:/${version.name}/${version.version}`,
        storagePath: version.storagePath,
        runId: version.runId,
        loggedModelId: version.loggedModelId,
      };
    }
    if (source.startsWith(proxiedScheme)) {
      const storagePath = storePathOf(source);
      // `<experiment>/<run>/artifacts/…` and `<experiment>/models/<model>/artifacts/…` tell their owner.
      const run = /^[^/]+\/([0-9a-f]{32})\/artifacts(\/|$)/.exec(storagePath)?.[1];
      const model = /^[^/]+\/models\/(m-[0-9a-f]+)\/artifacts(\/|$)/.exec(storagePath)?.[1];
      return { source, storagePath, runId: run ?? request.runId, loggedModelId: model };
    }
    return foreign(request, `mloop stores files at ${sourceForms}; not at '${source}'`);
  }

  /**
   * A path in a run's artifacts; when nothing is there, MLflow 3 keeps the files with a logged
   * model of that name output by the run (the newest, if several).
   */
  private async fromRun(runId: string, artifactPath: string, source: string): Promise<ResolvedSource> {
    const run = await this.runs.get(runId);
    const path = normalizeArtifactPath(artifactPath, 'artifact_path');
    const storagePath = joinArtifactPath(storePathOf(run.info.artifactUri), path);
    if ((await this.store.list(storagePath)).length > 0) {
      return { source, storagePath, runId, loggedModelId: undefined };
    }
    const [name = '', ...rest] = path.split('/');
    const page = await this.loggedModels.search({
      experimentIds: [run.info.experimentId],
      filter: `name = '${name.replaceAll("'", "''")}' AND source_run_id = '${runId}'`,
      maxResults: 1,
    });
    const model = page.items[0];
    if (!model) return { source, storagePath, runId, loggedModelId: undefined };
    return { ...this.fromLoggedModel(model, rest.join('/')), source };
  }

  private fromLoggedModel(model: LoggedModel, subPath: string): ResolvedSource {
    const root = storePathOf(model.artifactLocation);
    return {
      source: `models:/${model.modelId}`,
      storagePath: subPath ? joinArtifactPath(root, normalizeArtifactPath(subPath)) : root,
      runId: model.sourceRunId,
      loggedModelId: model.modelId,
    };
  }
}

/** `models:/NAME/VERSION` (a registered version), whose absence is an error as in MLflow. */
function isModelRef(source: string | undefined): boolean {
  const body = source?.trim().startsWith('models:/') ? source.trim().slice('models:/'.length) : undefined;
  return body !== undefined && !/^m-[0-9a-f]+$/.test(body);
}

/** A source registered as given, whose files mloop does not hold. */
function foreign(request: SourceRequest, why: string): ResolvedSource {
  const source = request.source?.trim() ?? '';
  const runId = source.startsWith('runs:/') ? source.slice('runs:/'.length).split('/')[0] : undefined;
  const modelId = /^models:\/(m-[0-9a-f]+)$/.exec(source)?.[1];
  return {
    source:
      source ||
      (request.loggedModelId
        ? `models:/${request.loggedModelId}`
        : `runs:/${request.runId}/${request.artifactPath}`),
    storagePath: undefined,
    runId: runId || request.runId,
    loggedModelId: modelId ?? request.loggedModelId,
    noFiles: why,
  };
}
