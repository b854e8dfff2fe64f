import type { FastifyRequest } from 'fastify';
import { actingAs, type ActingAs } from '../core/acting-as.js';
import { MloopError } from '../core/errors.js';
import { kindOfAction } from '../governance/audit-kinds.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../governance/local-admin-token.js';
import { DEFAULT_PROJECT } from '../governance/projects.js';
import { can, leastRoleFor, type Action, type Role } from '../governance/roles.js';
import type { ApiToken } from '../governance/tokens.js';
import type { Platform } from '../platform.js';
import { sendError } from './errors.js';
import { openRateLimiter } from './shared-rate-limit.js';
import { deletesProtectedAlias } from './protected-deletes.js';
import { objectOfRequest, type RequestObject } from './request-object.js';
import { projectsOfRequest } from './request-project.js';
import { actionOfRoute } from './route-actions.js';
import type { App } from './server.js';

/** Who made a request and what it was allowed to do, kept for the audit hook. */
interface RequestState {
  /** Whether this server requires tokens. */
  authOn: boolean;
  token: ApiToken | undefined;
  action: Action | undefined;
  object: RequestObject | undefined;
  project: string;
  denied: boolean;
  /** Ids the answer named (`id`, `run_id`, `version`…), for the audit entry's "after". */
  after: Record<string, unknown> | undefined;
  /** Who the handler acted as; services count the entries they recorded in it. */
  actingAs?: ActingAs;
}

const state = new WeakMap<FastifyRequest, RequestState>();

/** A registered route and the action it needs (undefined: unmapped, refused for non-admins). */
export interface RouteAction {
  method: string;
  url: string;
  action: Action | undefined;
}
const routeTables = new WeakMap<object, RouteAction[]>();

/** Every route registered after access control, with its action: the authorization matrix's rows. */
export function routeActionsOf(app: App): RouteAction[] {
  return routeTables.get(app) ?? [];
}
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Predictions are writes to the prediction log, which is their own record; auditing each would
// double every scoring request's cost.
const UNAUDITED: ReadonlySet<Action> = new Set(['predict', 'public']);

/** Is auth on for a server listening on `host` with this setting? `auto` is on off loopback. */
export function authEnabled(mode: 'on' | 'off' | 'auto', host: string): boolean {
  if (mode !== 'auto') return mode === 'on';
  return !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
}

/**
 * Authentication (Bearer or Basic, the password being the token, as MLflow's client sends
 * `MLFLOW_TRACKING_USERNAME/PASSWORD`), per-project authorization of each route's action,
 * per-token rate limits, and the audit trail of every mutating request (and refused attempts).
 */
export function registerAccessControl(
  app: App,
  platform: Platform,
  options: {
    enabled: boolean;
    /** The model a single-model server answers for: the object of requests that name none. */
    servedModel?: string;
  },
): void {
  const { tokens, projects, audit } = platform.governance;
  const mapped: RouteAction[] = [];
  routeTables.set(app, mapped);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const configured = (route.config as { action?: unknown } | undefined)?.action;
    for (const method of methods)
      mapped.push({ method, url: route.url, action: actionOfRoute(method, route.url, configured) });
    // The handler runs as the token's user: the services it calls record their changes for them.
    const handler = route.handler;
    route.handler = function (this: unknown, request, reply) {
      const s = state.get(request);
      if (!s) return handler.call(this as never, request, reply);
      s.actingAs = {
        actor: s.token?.user ?? 'anonymous',
        via: 'http',
        method: request.method,
        path: request.url.split('?')[0] ?? request.url,
        ip: request.ip,
        requestId: request.id,
        details: { ...(s.token ? { token: s.token.name } : {}), project: s.project },
        recorded: 0,
      };
      return actingAs(s.actingAs, () => handler.call(this as never, request, reply));
    };
  });
  const buckets = openRateLimiter(platform.config, () => platform.clock.now(), app.log);
  app.addHook('onClose', async () => buckets.close?.());

  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions;
    if (!route.url) return; // no such route: the 404 handler answers
    const action = actionOfRoute(request.method, route.url, (route.config as { action?: unknown }).action);
    const token = await tokenOf(request);
    const s: RequestState = {
      authOn: options.enabled,
      token,
      action,
      object: undefined,
      project: DEFAULT_PROJECT,
      denied: false,
      after: undefined,
    };
    state.set(request, s);
    // Every request counts, with tokens or without, public routes too (a webhook's secret is not
    // to be guessed at full speed): per token, else per client address. Inference is the
    // exception: it guards no secret, one client (a backend service) legitimately sends thousands
    // a second, and its bound is the prediction log's back-pressure, not a per-minute quota.
    const wait = action === 'predict' ? 0 : await buckets.take(token?.id ?? clientKey(request.ip));
    if (wait > 0) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return sendError(
        new MloopError('RESOURCE_EXHAUSTED', `Rate limit exceeded; retry in ${Math.ceil(wait / 1000)} s`),
        request,
        reply,
      );
    }
    if (action === 'public') return;
    if (!options.enabled) {
      if (action !== 'governance.admin' && !runsCode(route.config)) return;
      // Without tokens nothing tells callers apart; running code (and handing out tokens, which
      // would lead to it) still takes the local admin token, which only the server's user can read.
      if (token?.admin) return;
      return sendError(
        token
          ? new MloopError(
              'PERMISSION_DENIED',
              `Token '${token.name}' is not an admin token; this route runs code on the server and needs an admin`,
            )
          : new MloopError(
              'UNAUTHENTICATED',
              `This route runs code on the server and needs an admin, even on loopback: send the local admin token (${LOCAL_ADMIN_TOKEN_FILE} in the server's home, which mloop and the SDK on this machine send by themselves) as Authorization: Bearer mlp_…`,
            ),
        request,
        reply,
      );
    }
    if (!token) {
      const hasCredentials = request.headers.authorization !== undefined;
      return sendError(
        new MloopError(
          'UNAUTHENTICATED',
          hasCredentials
            ? 'The token is unknown or revoked; create one with `mloop tokens create`'
            : 'This server requires a token: send `Authorization: Bearer mlp_…` (MLFLOW_TRACKING_TOKEN for MLflow clients)',
        ),
        request,
        reply,
      );
    }
  });

  // Authorization runs once the body is parsed (the object may be named in it), before schema
  // validation, so a role that may not act gets 403 whatever it sent.
  app.addHook('preValidation', async (request, reply) => {
    const s = state.get(request);
    if (!s) return;
    s.object =
      objectOfRequest(request) ??
      (options.servedModel === undefined ? undefined : { kind: 'model', id: options.servedModel });
    if (!options.enabled || s.action === 'public') return;
    let action = refine(s.action, request, platform.config.protectedAliases);
    if (action === 'models.write' && (await deletesProtectedAlias(request, platform)))
      action = 'aliases.protected';
    s.action = action;
    // The role must allow the action in every project the request reaches; a refusal names the
    // first project where it does not.
    const reached = await projectsOfRequest(request, s.object, platform);
    let refused: { project: string; role: Role | undefined } | undefined;
    for (const project of reached) {
      const role = s.token?.admin ? 'admin' : await projects.roleOf(s.token?.user ?? '', project);
      if (action === undefined || !can(role, action)) {
        refused = { project, role };
        break;
      }
    }
    s.project = refused?.project ?? reached[0] ?? DEFAULT_PROJECT;
    if (refused) {
      const { role } = refused;
      s.denied = true;
      const needs = action
        ? `'${action}' needs the ${leastRoleFor(action)} role`
        : 'this route is for admins only';
      return sendError(
        new MloopError(
          'PERMISSION_DENIED',
          `Token '${s.token?.name}' (user '${s.token?.user}') has ${role ? `the ${role} role` : 'no role'} in project '${s.project}'; ${needs}`,
        ),
        request,
        reply,
      );
    }
    if (action === 'aliases.protected' && platform.config.fourEyes) {
      s.denied = true;
      return sendError(
        new MloopError(
          'PERMISSION_DENIED',
          'Four-eyes is on: request the move with POST /api/v1/models/{name}/promotion-requests (`mloop models request-promotion`) and have another maintainer approve it',
        ),
        request,
        reply,
      );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const s = state.get(request);
    if (
      s &&
      MUTATING.has(request.method) &&
      reply.statusCode < 400 &&
      typeof payload === 'string' &&
      payload.length < 65_536
    )
      s.after = idsOf(payload);
    return payload;
  });

  // After the answer has left: these entries (refused attempts, run and metric writes) are not
  // worth an extra commit on every logging call's path; services' own entries are written inline.
  app.addHook('onResponse', async (request, reply) => {
    const s = state.get(request);
    if (!s || !MUTATING.has(request.method) || (s.action && UNAUDITED.has(s.action))) return;
    const denied = s.denied || reply.statusCode === 401 || reply.statusCode === 403;
    if (!denied && reply.statusCode >= 400) return;
    // A change the services recorded is in the log already; this entry is for refused attempts
    // and for writes no service records (runs, experiments, labels, alert rules).
    if (!denied && (s.actingAs?.recorded ?? 0) > 0) return;
    try {
      await audit.append({
        kind: kindOfAction(s.action ?? 'unmapped'),
        actor: s.token?.user ?? 'anonymous',
        action: s.action ?? 'unmapped',
        outcome: denied ? 'denied' : 'ok',
        method: request.method,
        path: request.url.split('?')[0] ?? request.url,
        status: reply.statusCode,
        objectKind: s.object?.kind,
        objectId: s.object?.id || undefined,
        before: {
          ...(s.token ? { token: s.token.name } : {}),
          project: s.project,
          ...(s.object?.id ? { [s.object.kind]: s.object.id } : {}),
        },
        after: s.after,
        ip: request.ip,
        requestId: request.id,
      });
    } catch (error) {
      request.log.error({ err: error }, 'could not write the audit entry');
    }
  });

  async function tokenOf(request: FastifyRequest): Promise<ApiToken | undefined> {
    const secret = secretOf(request.headers.authorization);
    return secret ? tokens.authenticate(secret) : undefined;
  }
}

/** Routes marked `config: { runsCode: true }` start code on the server (pipeline runs). */
function runsCode(config: unknown): boolean {
  return (config as { runsCode?: unknown } | undefined)?.runsCode === true;
}

/**
 * The rate-limit key of a caller without a token: its address, IPv6 by /64, the block one
 * subscriber usually holds, so rotating through it does not buy fresh buckets.
 */
export function clientKey(ip: string): string {
  if (ip.startsWith('::ffff:')) return `ip:${ip.slice(7)}`;
  if (!ip.includes(':')) return `ip:${ip}`;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The token in `Authorization: Bearer T` or `Basic base64(anything:T)`. */
export function secretOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** Moving a protected alias (or transitioning to the Production stage) needs a maintainer. */
function refine(
  action: Action | undefined,
  request: FastifyRequest,
  protectedAliases: string[],
): Action | undefined {
  if (action !== 'models.write') return action;
  const url = request.routeOptions.url ?? '';
  const params = request.params as Record<string, unknown>;
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
    string,
    unknown
  >;
  const query = request.query as Record<string, unknown>;
  let alias: unknown;
  if (url.endsWith('/aliases/:alias')) alias = params.alias;
  else if (url.endsWith('/registered-models/alias')) alias = body.alias ?? query.alias;
  else if (url.endsWith('/transition-stage')) alias = body.stage;
  if (typeof alias !== 'string') return action;
  const isProtected = protectedAliases.some((p) => p.toLowerCase() === alias.toLowerCase());
  return isProtected ? 'aliases.protected' : action;
}

const ID_KEYS = ['id', 'run_id', 'experiment_id', 'name', 'version', 'model_id', 'prediction_id'];

// The ids an answer names, at its top level or one object down (`{run: {info: {run_id}}}` is
// too deep and is left out: the request's own object stands for it).
function idsOf(payload: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const found: Record<string, unknown> = {};
  const scan = (obj: Record<string, unknown>, prefix: string) => {
    for (const key of ID_KEYS) {
      const value = obj[key];
      if (typeof value === 'string' || typeof value === 'number') found[prefix + key] = value;
    }
  };
  scan(parsed as Record<string, unknown>, '');
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      scan(value as Record<string, unknown>, `${key}.`);
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/**
 * Whether the server requires tokens and the token a request carries, for a route that authorizes
 * each object as it answers (GraphQL, whose one request reaches objects the route cannot name);
 * undefined where access control is not registered.
 */
export function callerOf(
  request: FastifyRequest,
): { authOn: boolean; token: ApiToken | undefined } | undefined {
  const s = state.get(request);
  return s ? { authOn: s.authOn, token: s.token } : undefined;
}

/** The user a request acts for (`anonymous` without a token), for records such as approvals. */
export function actorOf(request: FastifyRequest): string {
  return state.get(request)?.token?.user ?? 'anonymous';
}
