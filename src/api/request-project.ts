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
 * The project a request's object belongs to, for the permission check. Experiments, models,
 * datasets, deployments and pipelines are assigned to projects; every other kind follows its
 * owner: a run its experiment, a prediction its deployment (else its model), an alert rule what
 * it watches, a pipeline run its pipeline. An object that does not exist (yet) is looked up by
 * what the request names as its owner, else it is in `default`.
 */
export async function projectOfRequest(
  request: FastifyRequest,
  object: RequestObject | undefined,
  platform: Platform,
): Promise<string> {
  const { projects } = platform.governance;
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Bag;
  const named = (key: string): string | undefined =>
    typeof body[key] === 'string' && body[key] !== '' ? (body[key] as string) : undefined;
  const of = (kind: ProjectObjectKind, key: string | undefined) =>
    key ? projects.projectOf(kind, key) : Promise.resolve(DEFAULT_PROJECT);
  const id = object?.id ?? '';
  switch (object?.kind) {
    case 'experiment':
      return of('experiment', await experimentId(platform, request, id));
    case 'model':
      return of('model', id);
    case 'dataset':
      return of('dataset', id);
    case 'deployment':
      return of('deployment', id);
    case 'pipeline':
      return of('pipeline', id);
    case 'run': {
      const experiment = id
        ? await found(async () => (await platform.tracking.runs.get(id)).info.experimentId)
        : named('experiment_id');
      return of('experiment', experiment);
    }
    case 'logged-model':
      return of('experiment', named('experiment_id'));
    case 'prediction': {
      const logged = id ? await found(() => platform.serving.log.get(id)) : undefined;
      if (logged?.deployment) return of('deployment', logged.deployment);
      return of('model', logged?.model);
    }
    case 'alert-rule': {
      const rule = id ? await found(() => platform.monitoring.alerts.rules.get(id)) : undefined;
      const target: { model?: string | undefined; deployment?: string | undefined } = rule?.target ?? {
        model: named('model'),
        deployment: named('deployment'),
      };
      if (target.deployment) return of('deployment', target.deployment);
      return of('model', target.model ? modelNameOf(target.model) : undefined);
    }
    case 'pipeline-run': {
      const store = new PipelineStore(platform.database.tables<PipelineTables>(), platform.clock);
      return of('pipeline', id ? await found(async () => (await store.runRow(id)).pipeline) : undefined);
    }
    default:
      return DEFAULT_PROJECT;
  }
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
  return found(async () => (await platform.tracking.experiments.getByName(idOrName)).experimentId);
}

/** The value, or undefined when the object does not exist. */
async function found<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
}
