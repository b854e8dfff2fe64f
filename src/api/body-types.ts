import { Transform, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { MloopError } from '../core/errors.js';
import { payloadTooLarge } from './errors.js';
import type { App } from './server.js';

/** Any content type: artifact files arrive with whatever type the client guessed from their name. */
export const ANY_TYPE = '*/*';
const JSON_ONLY = ['application/json'];

/**
 * The content types a route takes, from its `config.bodyTypes`: JSON unless the route names
 * others (uploads, YAML, CSV). A body of any other type is refused before it is parsed, so a
 * browser's "simple" request (`text/plain`, a form) never reaches a JSON route's handler.
 */
export function bodyTypesOf(config: unknown): readonly string[] {
  const declared = (config as { bodyTypes?: unknown } | undefined)?.bodyTypes;
  return Array.isArray(declared) ? (declared as string[]) : JSON_ONLY;
}

/** Routes that take raw bytes (files): their body is a stream, and their limit is the upload one. */
export function takesUploads(config: unknown): boolean {
  const types = bodyTypesOf(config);
  return types.includes(ANY_TYPE) || types.includes('application/octet-stream');
}

/**
 * Of a route that takes both uploads and JSON (Open Inference Protocol inference), its
 * `config.jsonBody` tells which requests send JSON: those are held to the JSON limit, so a JSON
 * body is not allowed the upload limit for the route's binary bodies' sake.
 */
function sendsJson(request: FastifyRequest): boolean {
  const test = (request.routeOptions.config as { jsonBody?: unknown } | undefined)?.jsonBody;
  return typeof test === 'function' && (test as (request: FastifyRequest) => boolean)(request) === true;
}

/** The request's media type, lower case without parameters; '' when it names none. */
export function contentTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Body handling every mloop app shares: uploads may be as large as `bodyLimitBytes`, other
 * bodies (small JSON) at most `jsonBodyLimitBytes`, which stops a memory-exhausting body early;
 * uploads stay streams, counted as they arrive and cut at the limit; each route's types enforced.
 */
export function registerBodyTypes(
  app: App,
  limits: { bodyLimitBytes: number; jsonBodyLimitBytes: number },
): void {
  app.addHook('onRoute', (route) => {
    if (route.bodyLimit === undefined && !takesUploads(route.config))
      route.bodyLimit = Math.min(limits.jsonBodyLimitBytes, limits.bodyLimitBytes);
    // A route's own hook runs after the app's: a caller who may not act hears 403, whatever it sent.
    const own = route.preValidation ?? [];
    route.preValidation = [...(Array.isArray(own) ? own : [own]), refuseOtherTypes];
  });
  // Fastify parses text/plain by default; no route takes it, and it is what a cross-site page may send.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (request, payload, done) => {
    const limit = request.routeOptions.bodyLimit ?? limits.bodyLimitBytes;
    if (Number(request.headers['content-length']) > limit) return done(payloadTooLarge(limit), undefined);
    done(null, counted(payload, limit));
  });
  // A file is stored as sent whatever type the client guessed from its name (MLflow's client
  // labels `x.json` application/json and `x.csv` text/csv): the stream parser reads it, not the
  // JSON or CSV one.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!hasBody(request)) return payload;
    if (bodyTypesOf(request.routeOptions.config).includes(ANY_TYPE))
      request.headers['content-type'] = 'application/octet-stream';
    else if (takesUploads(request.routeOptions.config) && sendsJson(request)) {
      const limit = Math.min(limits.jsonBodyLimitBytes, limits.bodyLimitBytes);
      if (Number(request.headers['content-length']) > limit) throw payloadTooLarge(limit);
      return counted(payload, limit);
    }
    return payload;
  });
}

/** Refuses a body of a type the route does not name (routes that parse their own body call it first). */
export async function refuseOtherTypes(request: FastifyRequest): Promise<void> {
  if (!hasBody(request)) return;
  const accepted = bodyTypesOf(request.routeOptions.config);
  const type = contentTypeOf(request);
  if (accepted.includes(ANY_TYPE) || accepted.includes(type)) return;
  throw new MloopError(
    'BAD_REQUEST',
    `${request.method} ${request.routeOptions.url ?? request.url} takes ${accepted.map((t) => t || 'no Content-Type').join(' or ')}, not ${type || 'a body without Content-Type'}`,
  );
}

function hasBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false; // Fastify never reads their bodies
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The body as a stream that fails with a 413 once more than `limit` bytes arrived, whatever
 * Content-Length claimed; the store then deletes what it had written of an upload.
 */
function counted(payload: Readable, limit: number): Readable {
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      received += chunk.length;
      if (received <= limit) return next(null, chunk);
      // Stop reading into the store; the rest of the body is discarded as the answer goes out.
      payload.unpipe(meter);
      payload.resume();
      next(payloadTooLarge(limit));
    },
  });
  payload.on('error', (error) => meter.destroy(error));
  // The limit may be passed before the handler starts reading; the error stays on the stream
  // (`errored`) for whoever reads it, and is not an uncaught one meanwhile.
  meter.on('error', () => {});
  return payload.pipe(meter);
}
