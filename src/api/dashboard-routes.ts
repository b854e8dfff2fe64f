import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './server.js';

// src/api and dist/api are both two levels below the package root, where ui/dist is built.
const defaultRoot = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

/** Paths the dashboard never answers, so a wrong API URL still gets the API's JSON 404. */
const apiPrefixes = ['/api/', '/ajax-api/', '/v2/', '/metrics', '/health', '/openapi.json'];

/**
 * Serves the web dashboard at `/`: its built files, and index.html for every page a browser
 * navigates to (client-side routes such as /runs/ID), while API paths keep their JSON 404s.
 * Without a build (a checkout where `npm run build` has not run), `/` says how to build it.
 */
export async function registerDashboardRoutes(app: App, root = defaultRoot): Promise<void> {
  if (!existsSync(`${root}index.html`)) {
    app.get('/', { schema: { hide: true }, config: { action: 'public' } }, async (_request, reply) =>
      reply
        .type('text/plain')
        .send('The mloop dashboard is not built. Run `npm run build`, then restart `mloop server`.\n'),
    );
    return;
  }
  // serve: false: reply.sendFile only; the routes below decide what is served.
  await app.register(fastifyStatic, { root, serve: false });
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = decodedPath(request.url);
    if (path === undefined) return reply.callNotFound();
    if (isBuiltFile(root, path)) {
      // Vite puts a content hash in asset names, so they never change under the same name.
      const immutable = path.startsWith('/assets/');
      return reply.sendFile(path.slice(1), { maxAge: immutable ? '1y' : 0, immutable });
    }
    const browserPage = path === '/' || (request.headers.accept ?? '').includes('text/html');
    if (!browserPage || apiPrefixes.some((prefix) => path.startsWith(prefix))) return reply.callNotFound();
    return reply.sendFile('index.html', { maxAge: 0 });
  };
  // The page and its scripts are public: they hold no data, and the API checks tokens itself.
  app.get('/', { schema: { hide: true }, config: { action: 'public' } }, (request, reply) =>
    page(request, reply),
  );
  app.get('/*', { schema: { hide: true }, config: { action: 'public' } }, (request, reply) =>
    page(request, reply),
  );
}

function decodedPath(url: string): string | undefined {
  try {
    return decodeURIComponent(url.split('?')[0] ?? '/');
  } catch {
    return undefined; // malformed %-escapes: no such page
  }
}

/**
 * Is `path` a file of the build? Checked per request, not listed at start, so a rebuild under a
 * running server (new hashed asset names) is served at once; `..` and NUL never reach the disk.
 */
function isBuiltFile(root: string, path: string): boolean {
  if (path === '/' || path.includes('\0') || normalize(path) !== path || path.includes('..')) return false;
  try {
    return statSync(join(root, path)).isFile();
  } catch {
    return false;
  }
}
