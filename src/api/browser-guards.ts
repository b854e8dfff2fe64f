import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.js';
import { MloopError } from '../core/errors.js';
import { sendError } from './errors.js';
import type { App } from './server.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const EVERY_INTERFACE = ['0.0.0.0', '::', '[::]'];

/**
 * What a browser may do to this server, whatever the user's other tabs load:
 * - a request whose `Host` is not one of this server's names is refused, so a page on a DNS name
 *   rebound to 127.0.0.1 cannot read or write through the victim's browser;
 * - a state-changing request whose `Origin` (or, without one, `Referer`) is neither this server's
 *   own origin nor an allowed one is refused: a page elsewhere cannot post forms, `text/plain`
 *   "simple" requests or `no-cors` fetches here. Requests with neither header are not from a
 *   browser page (CLI, SDK, MLflow's client, curl) and pass;
 * - CORS answers only allowed origins, so it is off unless `allowedOrigins` names some.
 */
export function registerBrowserGuards(
  app: App,
  config: Pick<Config, 'host' | 'allowedHosts' | 'allowedOrigins'>,
  authOn: boolean,
): void {
  const hosts = allowedHostsOf(config, authOn);
  const origins = new Set(config.allowedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host?.toLowerCase();
    if (host !== undefined && hosts !== '*' && !hostAllowed(hostnameOf(host), hosts))
      return refuse(
        request,
        reply,
        `Host '${host}' is not a name of this server, so the request is refused (a page on a DNS name pointed at this address must not reach it); allow the name with --allowed-hosts (MLOOP_ALLOWED_HOSTS)`,
      );
    const origin = originOf(request);
    const allowedCrossOrigin = origin !== undefined && origins.has(origin);
    if (allowedCrossOrigin) {
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined)
        return reply
          .status(204)
          .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE')
          .header('access-control-allow-headers', 'authorization, content-type, x-mloop-webhook-secret')
          .header('access-control-max-age', '600')
          .send();
    }
    if (!STATE_CHANGING.has(request.method) || origin === undefined || allowedCrossOrigin) return;
    if (origin !== 'null' && host !== undefined && sameHost(origin, host)) return;
    return refuse(
      request,
      reply,
      `Cross-origin request refused: ${origin === 'null' ? 'an opaque origin' : origin} is not this server's origin; a page may change state here only from this server or an origin allowed with --allowed-origins (MLOOP_ALLOWED_ORIGINS)`,
    );
  });
}

/** The names `Host` may carry, or `*` for any. Configured names add to the loopback defaults. */
export function allowedHostsOf(
  config: Pick<Config, 'host' | 'allowedHosts'>,
  authOn: boolean,
): string[] | '*' {
  if (config.allowedHosts.includes('*')) return '*';
  const listen = bracketed(config.host.toLowerCase());
  // Listening on every interface, the server is reached by names it cannot know; tokens guard it.
  if (config.allowedHosts.length === 0 && EVERY_INTERFACE.includes(listen) && authOn) return '*';
  return [...new Set([listen, ...LOOPBACK_NAMES, ...config.allowedHosts.map(bracketed)])];
}

/** `.example.com` allows example.com and every name under it, as in Django's ALLOWED_HOSTS. */
function hostAllowed(hostname: string, hosts: string[]): boolean {
  return hosts.some((h) =>
    h.startsWith('.') ? hostname === h.slice(1) || hostname.endsWith(h) : hostname === h,
  );
}

/** `[::1]:5050` -> `[::1]`, `localhost:5050` -> `localhost`. */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The page's origin: `Origin`, else the origin of `Referer`; undefined when the caller sent neither. */
function originOf(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin.toLowerCase();
  const referer = request.headers.referer;
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin.toLowerCase();
  } catch {
    return 'null';
  }
}

/** Same host and port as the request's `Host` (the scheme may differ behind a TLS proxy). */
function sameHost(origin: string, host: string): boolean {
  const withoutDefaultPort = (h: string) => h.replace(/:(80|443)$/, '');
  try {
    return withoutDefaultPort(new URL(origin).host) === withoutDefaultPort(host);
  } catch {
    return false;
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, message: string): FastifyReply {
  return sendError(new MloopError('PERMISSION_DENIED', message), request, reply);
}
