import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { ModelConversionSchema, ModelVersionSchema, NameParam, VersionParams } from './registry-schemas.js';
import { ErrorSchema, Ok, TagSchema } from './tracking-schemas.js';

const v1 = '/api/v1/models';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const t = ['models'];
const TagParams = Type.Object({
  name: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  key: Type.String(),
});

/**
 * A path on the server's disk (`file:…`, `/…`) is never a source an HTTP caller may name: files
 * come from a run, a logged model or the artifact store, or a foreign store mloop does not read.
 */
function refuseServerPath(source: string | undefined): void {
  const trimmed = source?.trim() ?? '';
  if (/^file:/i.test(trimmed) || trimmed.startsWith('/') || /^[a-z]:[\\/]/i.test(trimmed))
    throw invalidParameter(
      'source',
      `source '${trimmed}' is a path on the server; name the files as runs:/RUN_ID/PATH, models:/MODEL_ID, models:/NAME/VERSION or mlflow-artifacts:/PATH`,
    );
}

/** mloop's REST API for model versions: registration from a run or logged model, and their metadata. */
export function registerNativeModelVersionRoutes(app: App, platform: Platform): void {
  const { versions } = platform.registry;

  app.post(
    `${v1}/:name/versions`,
    {
      schema: {
        tags: t,
        summary: "Register a run's model files as the next version",
        description:
          'Name the files by `runId` + `artifactPath`, by `loggedModelId`, or by `source` ' +
          '(`runs:/RUN/PATH`, `models:/MODEL_ID`, `models:/NAME/VERSION`, `mlflow-artifacts:/…`).',
        params: NameParam,
        body: Type.Object({
          source: Type.Optional(Type.String()),
          runId: Type.Optional(Type.String()),
          artifactPath: Type.Optional(Type.String()),
          loggedModelId: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagSchema)),
        }),
        response: { 201: ModelVersionSchema, ...errors },
      },
    },
    async (req, reply) => {
      refuseServerPath(req.body.source);
      return reply.status(201).send(await versions.create({ ...req.body, name: req.params.name }));
    },
  );

  app.get(
    `${v1}/:name/versions`,
    {
      schema: {
        tags: t,
        summary: "A model's versions, newest first",
        params: NameParam,
        querystring: Type.Object({
          maxResults: Type.Optional(Type.Integer()),
          pageToken: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            versions: Type.Array(ModelVersionSchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await versions.list(req.params.name, req.query);
      return { versions: page.items, nextPageToken: page.nextPageToken };
    },
  );

  app.get(
    `${v1}/:name/versions/:version`,
    {
      schema: {
        tags: t,
        summary: 'Get a model version with its lineage',
        params: VersionParams,
        response: { 200: ModelVersionSchema, ...errors },
      },
    },
    async (req) => versions.get(req.params.name, req.params.version),
  );

  app.patch(
    `${v1}/:name/versions/:version`,
    {
      schema: {
        tags: t,
        summary: "Change a version's description",
        params: VersionParams,
        body: Type.Object({ description: Type.String() }),
        response: { 200: ModelVersionSchema, ...errors },
      },
    },
    async (req) => versions.updateDescription(req.params.name, req.params.version, req.body.description),
  );

  app.delete(
    `${v1}/:name/versions/:version`,
    {
      schema: {
        tags: t,
        summary: 'Delete a version (its aliases go; its number is never reused)',
        params: VersionParams,
        querystring: Type.Object({ reason: Type.Optional(Type.String()) }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await versions.delete(req.params.name, req.params.version, { reason: req.query.reason });
      return {};
    },
  );

  app.post(
    `${v1}/:name/versions/:version/convert`,
    {
      schema: {
        tags: t,
        summary: "Retry the ONNX conversion of an MLflow model's version",
        description:
          'Converts an MLflow scikit-learn, XGBoost or LightGBM model to ONNX and checks it on `sampleCsv` ' +
          "(CSV with a header; the model's input example when left out). A passing conversion is served " +
          'from then on; the answer holds the version and the conversion tried.',
        params: VersionParams,
        body: Type.Object({
          sampleCsv: Type.Optional(Type.String()),
          targetOpset: Type.Optional(Type.Integer({ minimum: 7 })),
        }),
        response: {
          200: Type.Object({ version: ModelVersionSchema, conversion: ModelConversionSchema }),
          ...errors,
        },
      },
    },
    async (req) => platform.registry.conversions.convert(req.params.name, req.params.version, req.body),
  );

  app.put(
    `${v1}/:name/versions/:version/tags/:key`,
    {
      schema: {
        tags: t,
        summary: 'Set a version tag',
        params: TagParams,
        body: Type.Object({ value: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await versions.setTag(req.params.name, req.params.version, {
        key: req.params.key,
        value: req.body.value,
      });
      return {};
    },
  );

  app.delete(
    `${v1}/:name/versions/:version/tags/:key`,
    {
      schema: {
        tags: t,
        summary: 'Delete a version tag',
        params: TagParams,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await versions.deleteTag(req.params.name, req.params.version, req.params.key);
      return {};
    },
  );
}
