import { ApiError } from './api';

let spec: Promise<Set<string>> | undefined;

/**
 * Throws the API's "no such route" error when this server does not serve `template` (an OpenAPI
 * path such as `/api/v1/pipelines`), judged from /openapi.json: pages for features a server lacks
 * say so without requesting a missing route (which a browser logs as an error).
 */
export async function requireEndpoint(template: string): Promise<void> {
  spec ??= fetch('/openapi.json')
    .then((r) => r.json() as Promise<{ paths?: Record<string, unknown> }>)
    .then((s) => new Set(Object.keys(s.paths ?? {})))
    .catch(() => new Set<string>());
  if (!(await spec).has(template)) {
    throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No route for GET ${template}`);
  }
}
