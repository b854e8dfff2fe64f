import type { FastifyRequest } from 'fastify';
import { isMloopError } from '../core/errors.js';
import { DEFAULT_PROJECT, type ProjectObjectKind } from '../governance/projects.js';
import { PipelineStore } from '../pipelines/pipeline-store.js';
import type { PipelineTables } from '../pipelines/tables.js';
import type { Platform } from '../platform.js';
import { modelNameOf } from './model-server.js';
import type { RequestObject } from './request-object.js';

type Bag = Record<string, unknown>;

/**
 * The projects a request acts in, for the permission check: the role must allow the action in
 * each. Experiments, models, datasets, deployments and pipelines are assigned to projects; every
 * other kind follows its owner: a run its experiment, a prediction its deployment (else its
 * model), an alert rule what it watches, a pipeline run its pipeline. A request may reach more
 * than one: a deployment moves its model's aliases, a rename takes a name another project may
 * hold, a search names several experiments. An object that does not exist (yet) is looked up by
 * what the request names as its owner, else it is in `default`.
 */
export async function projectsOfRequest(
  request: FastifyRequest,
  object: RequestObject | undefined,
  platform: Platform,
): Promise<string[]> {
  const found = await ownersOf(request, object, platform);
  return found.length === 0 ? [DEFAULT_PROJECT] : [...new Set(found)];
}

async function ownersOf(
  request: FastifyRequest,
  object: RequestObject | undefined,
  platform: Platform,
): Promise<string[]> {
  const { projects } = platform.governance;
  const { tracking, serving, deployments, monitoring } = platform;
  const body = isRecord(request.body) ? request.body : {};
  const query = isRecord(request.query) ? request.query : {};
  const named = (key: string): string | undefined =>
    typeof body[key] === 'string' && body[key] !== '' ? body[key] : undefined;
  // Every value of a field of the body or query, one or many (`?run_id=a&run_id=b`).
  const all = (key: string): string[] =>
    [body[key], query[key]].flatMap((v) => (Array.isArray(v) ? v : [v])).filter(isName);
  const of = (kind: ProjectObjectKind, keys: readonly (string | undefined)[]): Promise<string[]> =>
    Promise.all(keys.filter(isName).map((key) => projects.projectOf(kind, key)));
  const experimentOfRun = async (run: string | undefined) =>
    run ? exists(async () => (await tracking.runs.get(run)).info.experimentId) : undefined;
  const experimentOfLoggedModel = async (model: string | undefined) =>
    model
      ? exists(async () => (await tracking.loggedModels.get(model, { allowDeleted: true })).experimentId)
      : undefined;
  const id = object?.id ?? '';
  switch (object?.kind) {
    case 'experiment':
      return of('experiment', [await experimentId(platform, request, id), ...all('experiment_ids')]);
    case 'model': {
      // A rename (MLflow's new_name, the native PATCH's name) must not take a name another project
      // holds; registering a version copies its source's files, which another project may own.
      const source = sourceOf(named('source'));
      const experiments = await Promise.all([
        experimentOfRun(named('run_id') ?? named('runId') ?? source.run),
        experimentOfLoggedModel(named('loggedModelId') ?? source.loggedModel),
      ]);
      return [
        ...(await of('model', [id, named('new_name'), named('name'), source.model])),
        ...(await of('experiment', [...experiments, source.experiment])),
      ];
    }
    case 'dataset':
      return of('dataset', [id]);
    case 'deployment': {
      // A deployment moves its model's aliases: it acts in the model's project too.
      const model = id ? (await exists(() => deployments.deployments.get(id)))?.model : undefined;
      return [...(await of('deployment', [id])), ...(await of('model', [model ?? named('model')]))];
    }
    case 'pipeline':
      return of('pipeline', [id]);
    case 'run': {
      const runs = id ? [id] : [...all('run_id'), ...all('run_ids')];
      const ofRuns = await Promise.all(runs.map(experimentOfRun));
      return of('experiment', [
        ...ofRuns,
        ...(id ? [] : [named('experiment_id'), ...all('experiment_ids'), ...all('experimentIds')]),
        proxiedExperiment(request),
      ]);
    }
    case 'trace': {
      // A trace is in its experiment's project; a request may also name other traces (batch
      // reads, links), the experiments it searches or deletes in, a new trace's experiment, or
      // the run traces are linked to.
      const traces = [id, ...all('trace_ids')].filter(isName);
      const ofTraces = await Promise.all(
        traces.map((t) => exists(async () => (await tracking.traces.get(t)).experimentId)),
      );
      return of('experiment', [
        ...ofTraces,
        named('experiment_id'),
        ...all('experiment_ids'),
        ...locationsOf(body),
        await experimentOfRun(named('run_id')),
      ]);
    }
    case 'logged-model':
      return of('experiment', [
        (await experimentOfLoggedModel(id)) ?? named('experiment_id'),
        ...all('experiment_ids'),
      ]);
    case 'prediction': {
      const logged = id ? await exists(() => serving.log.get(id)) : undefined;
      // A listing names its deployment or model in the query.
      const deployment = logged ? logged.deployment : all('deployment')[0];
      if (deployment) return of('deployment', [deployment]);
      const model = logged ? logged.model : all('model')[0];
      return of('model', [model ? modelNameOf(model) : undefined]);
    }
    case 'alert-rule': {
      const rule = id ? await exists(() => monitoring.alerts.rules.get(id)) : undefined;
      const target: { model?: string | undefined; deployment?: string | undefined } = rule?.target ?? {
        model: named('model'),
        deployment: named('deployment'),
      };
      if (target.deployment) return of('deployment', [target.deployment]);
      return of('model', [target.model ? modelNameOf(target.model) : undefined]);
    }
    case 'promotion-request': {
      // Approving one moves its model's alias: judged in the model's project.
      const asked = id ? await exists(() => platform.governance.promotionRequests.get(id)) : undefined;
      return of('model', [asked?.model ?? all('model')[0]]);
    }
    case 'pipeline-run': {
      const store = new PipelineStore(platform.database.tables<PipelineTables>(), platform.clock);
      return of('pipeline', [id ? await exists(async () => (await store.runRow(id)).pipeline) : undefined]);
    }
    default:
      return [];
  }
}

/** Experiments a trace request names in MLflow's shapes: `locations` (search) or a new trace's location. */
function locationsOf(body: Bag): string[] {
  const trace = isRecord(body.trace) && isRecord(body.trace.trace_info) ? body.trace.trace_info : undefined;
  const locations = [
    ...(Array.isArray(body.locations) ? body.locations : []),
    ...(trace ? [trace.trace_location] : []),
  ];
  return locations.flatMap((l) =>
    isRecord(l) && isRecord(l.mlflow_experiment) && isName(l.mlflow_experiment.experiment_id)
      ? [l.mlflow_experiment.experiment_id]
      : [],
  );
}

/**
 * What a model version's source names, by its forms: `runs:/RUN/PATH`, `models:/m-…` (a logged
 * model), `models:/NAME/VERSION`, `mlflow-artifacts:/EXPERIMENT/…` (a run's files at their
 * default location).
 */
function sourceOf(source: string | undefined): {
  run?: string;
  loggedModel?: string;
  model?: string;
  experiment?: string;
} {
  const match = /^([a-z-]+):\/+([^/]+)(\/.*)?$/.exec(source ?? '');
  if (!match) return {};
  const [, scheme, first = '', more] = match;
  if (scheme === 'runs') return { run: first };
  if (scheme === 'models')
    return more || first.includes('@') ? { model: modelNameOf(first) } : { loggedModel: first };
  if (scheme === 'mlflow-artifacts') return { experiment: first };
  return {};
}

// MLflow's artifact proxy names files by store path, `<experiment id>/<run id>/artifacts/…` for
// runs in experiments at their default location: the first segment is the experiment.
function proxiedExperiment(request: FastifyRequest): string | undefined {
  if (!(request.routeOptions.url ?? '').includes('mlflow-artifacts/artifacts')) return undefined;
  const params = isRecord(request.params) ? request.params : {};
  const query = isRecord(request.query) ? request.query : {};
  const path = [params['*'], query.path].find(isName);
  return path?.replace(/^\/+/, '').split('/')[0];
}

// Experiments are assigned by id; the by-name routes name them by name.
async function experimentId(
  platform: Platform,
  request: FastifyRequest,
  idOrName: string,
): Promise<string | undefined> {
  if (!idOrName) return undefined;
  const byName = (request.routeOptions.url ?? '').includes('by-name') || request.url.includes('get-by-name');
  if (!byName) return idOrName;
  return exists(async () => (await platform.tracking.experiments.getByName(idOrName)).experimentId);
}

/** The value, or undefined when the object does not exist. */
async function exists<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isRecord(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
