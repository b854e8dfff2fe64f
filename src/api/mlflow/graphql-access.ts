import type { FastifyRequest } from 'fastify';
import { MloopError } from '../../core/errors.js';
import type { ProjectObjectKind } from '../../governance/projects.js';
import { can, leastRoleFor, type Action } from '../../governance/roles.js';
import type { Platform } from '../../platform.js';
import { callerOf } from '../auth.js';

/**
 * What one GraphQL request may read. The route cannot name its objects before the query runs (a
 * query may reach several runs, experiments and models), so each field checks the role it needs
 * in the project of what it reads, with the messages the routes use; REST's route check does the
 * same per request. With tokens off every read passes, as on the REST routes.
 */
export interface GraphqlAccess {
  /** Whether reads are checked at all (tokens on): a field skips lookups made only for the check. */
  readonly enforced: boolean;
  /** Refuses unless the caller may perform `action` on each of these objects. */
  require(action: Action, kind: ProjectObjectKind, keys: readonly string[]): Promise<void>;
  /** Whether the caller may perform `action` on this object (for filtering a listing). */
  may(action: Action, kind: ProjectObjectKind, key: string): Promise<boolean>;
}

/**
 * The access of the request's caller; refuses a request without a valid token up front when the
 * server requires tokens, as every non-public route does.
 */
export function graphqlAccessOf(request: FastifyRequest, platform: Platform): GraphqlAccess {
  const caller = callerOf(request);
  if (!caller?.authOn) return { enforced: false, require: async () => {}, may: async () => true };
  const { token } = caller;
  if (!token)
    throw new MloopError(
      'UNAUTHENTICATED',
      request.headers.authorization !== undefined
        ? 'The token is unknown or revoked; create one with `mloop tokens create`'
        : 'This server requires a token: send `Authorization: Bearer mlp_…` (MLFLOW_TRACKING_TOKEN for MLflow clients)',
    );
  const { projects } = platform.governance;
  const roles = new Map<string, ReturnType<typeof projects.roleOf>>();
  const roleIn = (project: string) => {
    const known = roles.get(project);
    if (known) return known;
    const role = projects.roleOf(token.user, project);
    roles.set(project, role);
    return role;
  };
  const check = async (action: Action, kind: ProjectObjectKind, key: string) => {
    if (token.admin) return undefined;
    const project = await projects.projectOf(kind, key);
    const role = await roleIn(project);
    return can(role, action) ? undefined : { project, role };
  };
  return {
    enforced: true,
    async require(action, kind, keys) {
      for (const key of new Set(keys)) {
        const refused = await check(action, kind, key);
        if (refused)
          throw new MloopError(
            'PERMISSION_DENIED',
            `Token '${token.name}' (user '${token.user}') has ${refused.role ? `the ${refused.role} role` : 'no role'} in project '${refused.project}'; '${action}' needs the ${leastRoleFor(action)} role`,
          );
      }
    },
    async may(action, kind, key) {
      return (await check(action, kind, key)) === undefined;
    },
  };
}
