import type { FastifyRequest } from 'fastify';
import { isMloopError } from '../core/errors.js';
import type { Platform } from '../platform.js';

/** Deletes that may remove a protected alias: the routes, and where each names its model and version. */
const deletes: Record<string, (p: Record<string, unknown>, b: Record<string, unknown>) => Target> = {
  '/api/v1/models/:name/versions/:version': (p) => ({ name: p.name, version: p.version }),
  '/api/v1/models/:name': (p) => ({ name: p.name }),
  '/api/2.0/mlflow/model-versions/delete': (_p, b) => ({ name: b.name, version: b.version }),
  '/api/2.0/mlflow/registered-models/delete': (_p, b) => ({ name: b.name }),
};

interface Target {
  name: unknown;
  version?: unknown;
}

/**
 * Does this request delete a model version holding a protected alias, or a model with one? Such a
 * delete changes what production serves as surely as moving the alias does, so it takes the role
 * that moving it takes.
 */
export async function deletesProtectedAlias(request: FastifyRequest, platform: Platform): Promise<boolean> {
  if (request.method !== 'DELETE') return false;
  const targetOf = deletes[request.routeOptions.url ?? ''];
  if (!targetOf) return false;
  const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
  const { name, version } = targetOf(
    request.params as Record<string, unknown>,
    body as Record<string, unknown>,
  );
  if (typeof name !== 'string') return false;
  const guarded = new Set(platform.config.protectedAliases.map((a) => a.toLowerCase()));
  try {
    const model = await platform.registry.models.get(name);
    return model.aliases.some(
      (a) =>
        guarded.has(a.alias.toLowerCase()) &&
        (version === undefined || String(a.version) === String(version).trim()),
    );
  } catch (error) {
    // No such model: the route answers that itself.
    if (isMloopError(error)) return false;
    throw error;
  }
}
