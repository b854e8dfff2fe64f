import { Type } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import {
  AliasChangeSchema,
  ModelVersionSchema,
  NameParam,
  PromotionSchema,
  RegisteredModelSchema,
} from './registry-schemas.js';
import { ErrorSchema, Ok, TagSchema } from './tracking-schemas.js';

const v1 = '/api/v1/models';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const t = ['models'];
const AliasParams = Type.Object({ name: Type.String(), alias: Type.String() });

/** mloop's REST API for registered models, their aliases and promotion history. */
export function registerNativeModelRoutes(app: App, platform: Platform): void {
  const { models, aliases } = platform.registry;

  app.post(
    v1,
    {
      schema: {
        tags: t,
        summary: 'Create a registered model',
        body: Type.Object({
          name: Type.String(),
          description: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagSchema)),
        }),
        response: { 201: RegisteredModelSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await models.create(req.body)),
  );

  app.get(
    v1,
    {
      schema: {
        tags: t,
        summary: "Search registered models (`name LIKE '…'`, `tags.KEY = '…'`)",
        querystring: Type.Object({
          filter: Type.Optional(Type.String()),
          orderBy: Type.Optional(Type.Array(Type.String())),
          maxResults: Type.Optional(Type.Integer()),
          pageToken: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            models: Type.Array(RegisteredModelSchema),
            nextPageToken: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await models.search(req.query);
      return { models: page.items, nextPageToken: page.nextPageToken };
    },
  );

  app.get(
    `${v1}/:name`,
    {
      schema: {
        tags: t,
        summary: 'Get a registered model',
        params: NameParam,
        response: { 200: RegisteredModelSchema, ...errors },
      },
    },
    async (req) => models.get(req.params.name),
  );

  app.patch(
    `${v1}/:name`,
    {
      schema: {
        tags: t,
        summary: 'Rename a registered model or change its description',
        params: NameParam,
        body: Type.Object({ name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) }),
        response: { 200: RegisteredModelSchema, ...errors },
      },
    },
    async (req) => {
      let name = req.params.name;
      if (req.body.description !== undefined) await models.updateDescription(name, req.body.description);
      if (req.body.name !== undefined && req.body.name !== name)
        name = (await models.rename(name, req.body.name)).name;
      return models.get(name);
    },
  );

  app.delete(
    `${v1}/:name`,
    {
      schema: {
        tags: t,
        summary: 'Delete a registered model and its versions (its promotion history stays)',
        params: NameParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await models.delete(req.params.name);
      return {};
    },
  );

  app.put(
    `${v1}/:name/tags/:key`,
    {
      schema: {
        tags: t,
        summary: 'Set a registered model tag',
        params: Type.Object({ name: Type.String(), key: Type.String() }),
        body: Type.Object({ value: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await models.setTag(req.params.name, { key: req.params.key, value: req.body.value });
      return {};
    },
  );

  app.delete(
    `${v1}/:name/tags/:key`,
    {
      schema: {
        tags: t,
        summary: 'Delete a registered model tag',
        params: Type.Object({ name: Type.String(), key: Type.String() }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await models.deleteTag(req.params.name, req.params.key);
      return {};
    },
  );

  app.put(
    `${v1}/:name/aliases/:alias`,
    {
      schema: {
        tags: t,
        summary: 'Point an alias at a version (recorded with the reason)',
        params: AliasParams,
        body: Type.Object({
          version: Type.Integer(),
          reason: Type.Optional(Type.String()),
          // Past a failed or missing evaluation gate on production/champion; needs a reason.
          force: Type.Optional(Type.Boolean()),
        }),
        response: { 200: AliasChangeSchema, ...errors },
      },
    },
    async (req) => ({
      promotion: await aliases.set(req.params.name, req.params.alias, req.body.version, {
        reason: req.body.reason,
        force: req.body.force,
      }),
    }),
  );

  app.delete(
    `${v1}/:name/aliases/:alias`,
    {
      schema: {
        tags: t,
        summary: 'Remove an alias (recorded with the reason)',
        params: AliasParams,
        querystring: Type.Object({ reason: Type.Optional(Type.String()) }),
        response: { 200: AliasChangeSchema, ...errors },
      },
    },
    async (req) => ({
      promotion: await aliases.delete(req.params.name, req.params.alias, { reason: req.query.reason }),
    }),
  );

  app.get(
    `${v1}/:name/aliases/:alias`,
    {
      schema: {
        tags: t,
        summary: 'The version an alias points at',
        params: AliasParams,
        response: { 200: ModelVersionSchema, ...errors },
      },
    },
    async (req) => aliases.getVersion(req.params.name, req.params.alias),
  );

  app.get(
    `${v1}/:name/history`,
    {
      schema: {
        tags: t,
        summary: 'Every alias move and stage transition of a model, newest first',
        params: NameParam,
        querystring: Type.Object({ alias: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ promotions: Type.Array(PromotionSchema) }), ...errors },
      },
    },
    async (req) => ({ promotions: await aliases.history(req.params.name, req.query) }),
  );
}
