import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import { parsePiiColumns } from '../../core/pii-mode.js';
import { parseFormat } from '../../data/source-files.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import {
  DatasetDiffSchema,
  DatasetSchema,
  DatasetVersionParams,
  DatasetVersionSchema,
  DatasetVersionSummarySchema,
} from './dataset-schemas.js';
import { ErrorSchema } from './tracking-schemas.js';

const v1 = '/api/v1/datasets';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const t = ['datasets'];
const NameParam = Type.Object({ name: Type.String() });

/** `NAME/3` or `NAME@latest` from a path's name and version. */
function refOf(params: { name: string; version: string }): string {
  return params.version === 'latest' ? `${params.name}@latest` : `${params.name}/${params.version}`;
}

/** mloop's REST API for versioned datasets: upload, list, show, diff, download. */
export function registerDatasetRoutes(app: App, platform: Platform): void {
  const { datasets } = platform.data;

  app.get(
    v1,
    {
      schema: {
        tags: t,
        summary: 'List datasets with their latest version number',
        response: { 200: Type.Object({ datasets: Type.Array(DatasetSchema) }) },
      },
    },
    async () => ({ datasets: await datasets.list() }),
  );

  app.post(
    `${v1}/:name/versions`,
    {
      config: { bodyTypes: ['application/octet-stream'] },
      schema: {
        tags: t,
        summary:
          'Add a version from the raw file bytes (application/octet-stream); the same bytes answer the existing version with 200',
        params: NameParam,
        querystring: Type.Object({
          format: Type.String({ description: 'csv, parquet or jsonl' }),
          source: Type.Optional(Type.String()),
          parentVersion: Type.Optional(Type.Integer({ minimum: 1 })),
          description: Type.Optional(Type.String()),
          pii: Type.Optional(
            Type.String({
              description:
                'Personal columns, comma-separated, each COLUMN (redacted) or COLUMN:hash / COLUMN:redact',
            }),
          ),
        }),
        response: {
          200: Type.Object({ created: Type.Boolean(), version: DatasetVersionSchema }),
          201: Type.Object({ created: Type.Boolean(), version: DatasetVersionSchema }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const body = req.body as Readable | Buffer | string | undefined;
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
        throw invalidParameter(
          'body',
          'send the file as raw bytes with content-type application/octet-stream',
        );
      }
      const { format, source, parentVersion, description, pii } = req.query;
      const added = await datasets.addStream(req.params.name, body, {
        format: parseFormat(format),
        ...(source ? { source } : {}),
        ...(parentVersion ? { parentVersion } : {}),
        ...(description ? { description } : {}),
        ...(pii !== undefined ? { pii: parsePiiColumns(pii, 'pii') } : {}),
      });
      return reply.status(added.created ? 201 : 200).send(added);
    },
  );

  app.get(
    `${v1}/:name/versions`,
    {
      schema: {
        tags: t,
        summary: "A dataset's versions, newest first (without profiles)",
        params: NameParam,
        response: { 200: Type.Object({ versions: Type.Array(DatasetVersionSummarySchema) }), ...errors },
      },
    },
    async (req) => ({ versions: await datasets.listVersions(req.params.name) }),
  );

  app.get(
    `${v1}/:name/versions/:version`,
    {
      schema: {
        tags: t,
        summary: 'One version with its schema, files and profile (`latest` for the newest)',
        params: DatasetVersionParams,
        response: { 200: DatasetVersionSchema, ...errors },
      },
    },
    async (req) => datasets.get(refOf(req.params)),
  );

  app.get(
    `${v1}/:name/digests/:digest`,
    {
      schema: {
        tags: t,
        summary: 'The version whose digest starts with this prefix (at least 6 hex characters)',
        params: Type.Object({ name: Type.String(), digest: Type.String() }),
        response: { 200: DatasetVersionSchema, ...errors },
      },
    },
    async (req) => datasets.get(`${req.params.name}@${req.params.digest}`),
  );

  app.get(
    `${v1}/:name/versions/:version/file`,
    {
      schema: {
        tags: t,
        summary: "Download a single-file version's bytes",
        params: DatasetVersionParams,
      },
    },
    async (req, reply) => {
      const { version, stream, size } = await datasets.openFile(refOf(req.params));
      const fileName = version.files[0]!.path.split('/').pop()!;
      reply.header('content-length', size);
      reply.header('x-mloop-digest', version.digest);
      reply.header('content-disposition', `attachment; filename="${fileName.replaceAll('"', '')}"`);
      return reply.type('application/octet-stream').send(stream);
    },
  );

  app.get(
    `${v1}/:name/diff`,
    {
      schema: {
        tags: t,
        summary: 'Schema changes, row counts and profile shifts from one version to another',
        params: NameParam,
        querystring: Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) }),
        response: { 200: DatasetDiffSchema, ...errors },
      },
    },
    async (req) =>
      datasets.diff(`${req.params.name}/${req.query.from}`, `${req.params.name}/${req.query.to}`),
  );
}
