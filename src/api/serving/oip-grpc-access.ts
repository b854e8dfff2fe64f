import { MloopError } from '../../core/errors.js';
import type { GovernanceServices } from '../../governance/governance-services.js';
import { DEFAULT_PROJECT } from '../../governance/projects.js';
import { can, leastRoleFor, type Action } from '../../governance/roles.js';
import { secretOf } from '../auth.js';

/**
 * Whether a gRPC call may act: the same tokens and roles as the HTTP routes. `authorization`
 * metadata carries the token (Bearer, or Basic with the token as password); the role must allow
 * the action in the project of the model the call names (else the default project).
 */
export type GrpcAccessCheck = (
  authorization: string | undefined,
  action: Action,
  model?: string,
) => Promise<void>;

/** The check for a server with tokens on, or one that lets every call through when auth is off. */
export function grpcAccess(governance: GovernanceServices, enabled: boolean): GrpcAccessCheck {
  if (!enabled) return async () => {};
  const { tokens, projects } = governance;
  return async (authorization, action, model) => {
    if (action === 'public') return;
    const secret = secretOf(authorization);
    const token = secret ? await tokens.authenticate(secret) : undefined;
    if (!token)
      throw new MloopError(
        'UNAUTHENTICATED',
        secret
          ? 'The token is unknown or revoked; create one with `mloop tokens create`'
          : 'This server requires a token: send `authorization: Bearer mlp_…` metadata',
      );
    if (token.admin) return;
    const project = model ? await projects.projectOf('model', model) : DEFAULT_PROJECT;
    const role = await projects.roleOf(token.user, project);
    if (!can(role, action))
      throw new MloopError(
        'PERMISSION_DENIED',
        `Token '${token.name}' (user '${token.user}') has ${role ? `the ${role} role` : 'no role'} in project '${project}'; '${action}' needs the ${leastRoleFor(action)} role`,
      );
  };
}
