import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import { ANY_TYPE } from '../body-types.js';
import type { App } from '../server.js';
import { sendArtifactFile } from './artifact-download.js';

const prefix = '/api/2.0/mlflow-artifacts/artifacts';
const tags = ['mlflow-artifacts'];

/**
 * MLflow's artifact proxy: clients whose runs have `mlflow-artifacts:` URIs upload, download,
 * list and delete files here by their store-relative path.
 */
export function registerMlflowArtifactRoutes(app: App, platform: Platform): void {
  const { artifacts } = platform.tracking;

  app.put(
    `${prefix}/*`,
    { config: { bodyTypes: [ANY_TYPE] }, schema: { tags, summary: 'Upload one artifact file (raw body)' } },
    async (req) => {
      const path = pathParam(req.params);
      const body = req.body as Readable | Buffer | string | undefined;
      const bytes =
        body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : body;
      const stored = await artifacts.put(path, bytes instanceof Buffer ? new Uint8Array(bytes) : bytes);
      return { sha256: stored.sha256, size: stored.size };
    },
  );

  app.get(`${prefix}/*`, { schema: { tags, summary: 'Download one artifact file' } }, async (req, reply) => {
    const path = pathParam(req.params);
    return sendArtifactFile(reply, path, await artifacts.get(path));
  });

  app.delete(
    `${prefix}/*`,
    { schema: { tags, summary: 'Delete an artifact file or directory' } },
    async (req) => {
      await artifacts.delete(pathParam(req.params));
      return {};
    },
  );

  app.get(
    prefix,
    {
      schema: {
        tags,
        summary: 'List a directory',
        querystring: Type.Object({ path: Type.Optional(Type.String()) }),
      },
    },
    async (req) => {
      const dir = req.query.path ?? '';
      const entries = await artifacts.list(dir);
      // MLflow answers with names relative to the listed directory.
      return {
        files: entries.map((e) => ({
          path: e.path.split('/').pop() ?? e.path,
          is_dir: e.isDir,
          ...(e.size === undefined ? {} : { file_size: e.size }),
        })),
      };
    },
  );
}

function pathParam(params: unknown): string {
  const path = (params as { '*'?: string })['*'];
  if (!path) throw invalidParameter('path', 'an artifact path is required after /artifacts/');
  return path;
}
