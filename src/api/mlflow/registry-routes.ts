import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import type { RegisteredModel } from '../../registry/types.js';
import { checkVersion } from '../../registry/validation.js';
import type { App } from '../server.js';
import { downloadUriOf, modelVersionToWire, registeredModelToWire } from './registry-wire.js';
import { checkMlflowVersionSource, sourceOwnersOf } from './version-source-checks.js';
import { WireTag } from './wire.js';

const prefix = '/api/2.0/mlflow';
const tags = ['mlflow-registry'];

const Name = { name: Type.String() };
const NameVersion = { name: Type.String(), version: Type.String() };
const Search = Type.Object({
  filter: Type.Optional(Type.String()),
  max_results: Type.Optional(Type.Integer()),
  order_by: Type.Optional(Type.Array(Type.String())),
  page_token: Type.Optional(Type.String()),
});
type SearchQuery = Static<typeof Search>;

/** MLflow's model-registry REST API, mapped onto the registry's services. */
export function registerMlflowRegistryRoutes(app: App, platform: Platform): void {
  const { models, versions, aliases } = platform.registry;
  const owners = sourceOwnersOf(platform.tracking);
  const withLatest = async (model: RegisteredModel) =>
    registeredModelToWire(model, await versions.latestByStage(model.name));
  const searchArgs = (q: SearchQuery) => ({
    filter: q.filter,
    maxResults: q.max_results,
    orderBy: q.order_by,
    pageToken: q.page_token,
  });

  app.post(
    `${prefix}/registered-models/create`,
    {
      schema: {
        tags,
        body: Type.Object({
          ...Name,
          tags: Type.Optional(Type.Array(WireTag)),
          description: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => ({ registered_model: registeredModelToWire(await models.create(req.body)) }),
  );

  app.get(
    `${prefix}/registered-models/get`,
    { schema: { tags, querystring: Type.Object(Name) } },
    async (req) => ({ registered_model: await withLatest(await models.get(req.query.name)) }),
  );

  app.post(
    `${prefix}/registered-models/rename`,
    { schema: { tags, body: Type.Object({ ...Name, new_name: Type.String() }) } },
    async (req) => ({
      registered_model: await withLatest(await models.rename(req.body.name, req.body.new_name)),
    }),
  );

  app.patch(
    `${prefix}/registered-models/update`,
    { schema: { tags, body: Type.Object({ ...Name, description: Type.Optional(Type.String()) }) } },
    async (req) => ({
      registered_model: await withLatest(await models.updateDescription(req.body.name, req.body.description)),
    }),
  );

  app.delete(
    `${prefix}/registered-models/delete`,
    { schema: { tags, body: Type.Object(Name) } },
    async (req) => {
      await models.delete(req.body.name);
      return {};
    },
  );

  app.get(`${prefix}/registered-models/search`, { schema: { tags, querystring: Search } }, async (req) => {
    const page = await models.search(searchArgs(req.query));
    return {
      registered_models: await Promise.all(page.items.map(withLatest)),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  const LatestVersions = Type.Object({ ...Name, stages: Type.Optional(Type.Array(Type.String())) });
  const latestVersions = async (q: Static<typeof LatestVersions>) => ({
    model_versions: (await versions.latestByStage(q.name, q.stages ?? [])).map(modelVersionToWire),
  });
  app.post(
    `${prefix}/registered-models/get-latest-versions`,
    { schema: { tags, body: LatestVersions } },
    (req) => latestVersions(req.body),
  );
  app.get(
    `${prefix}/registered-models/get-latest-versions`,
    { schema: { tags, querystring: LatestVersions } },
    (req) => latestVersions(req.query),
  );

  app.post(
    `${prefix}/registered-models/set-tag`,
    { schema: { tags, body: Type.Object({ ...Name, key: Type.String(), value: Type.String() }) } },
    async (req) => {
      await models.setTag(req.body.name, { key: req.body.key, value: req.body.value });
      return {};
    },
  );

  app.delete(
    `${prefix}/registered-models/delete-tag`,
    { schema: { tags, body: Type.Object({ ...Name, key: Type.String() }) } },
    async (req) => {
      await models.deleteTag(req.body.name, req.body.key);
      return {};
    },
  );

  app.post(
    `${prefix}/registered-models/alias`,
    { schema: { tags, body: Type.Object({ ...Name, alias: Type.String(), version: Type.String() }) } },
    async (req) => {
      await aliases.set(req.body.name, req.body.alias, checkVersion(req.body.version));
      return {};
    },
  );

  app.delete(
    `${prefix}/registered-models/alias`,
    { schema: { tags, body: Type.Object({ ...Name, alias: Type.String() }) } },
    async (req) => {
      await aliases.delete(req.body.name, req.body.alias);
      return {};
    },
  );

  app.get(
    `${prefix}/registered-models/alias`,
    { schema: { tags, querystring: Type.Object({ ...Name, alias: Type.String() }) } },
    async (req) => ({
      model_version: modelVersionToWire(await aliases.getVersion(req.query.name, req.query.alias)),
    }),
  );

  app.post(
    `${prefix}/model-versions/create`,
    {
      schema: {
        tags,
        body: Type.Object({
          ...Name,
          source: Type.String(),
          run_id: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(WireTag)),
          run_link: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          model_id: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      await checkMlflowVersionSource(
        { source: req.body.source, runId: req.body.run_id ?? '', modelId: req.body.model_id ?? '' },
        owners,
      );
      return {
        model_version: modelVersionToWire(
          await versions.create({
            name: req.body.name,
            source: req.body.source,
            runId: req.body.run_id || undefined,
            loggedModelId: req.body.model_id || undefined,
            tags: req.body.tags,
            runLink: req.body.run_link,
            description: req.body.description,
          }),
        ),
      };
    },
  );

  app.get(
    `${prefix}/model-versions/get`,
    { schema: { tags, querystring: Type.Object(NameVersion) } },
    async (req) => ({
      model_version: modelVersionToWire(await versions.get(req.query.name, checkVersion(req.query.version))),
    }),
  );

  app.patch(
    `${prefix}/model-versions/update`,
    { schema: { tags, body: Type.Object({ ...NameVersion, description: Type.Optional(Type.String()) }) } },
    async (req) => ({
      model_version: modelVersionToWire(
        await versions.updateDescription(req.body.name, checkVersion(req.body.version), req.body.description),
      ),
    }),
  );

  app.delete(
    `${prefix}/model-versions/delete`,
    { schema: { tags, body: Type.Object(NameVersion) } },
    async (req) => {
      await versions.delete(req.body.name, checkVersion(req.body.version));
      return {};
    },
  );

  app.get(`${prefix}/model-versions/search`, { schema: { tags, querystring: Search } }, async (req) => {
    const page = await versions.search(searchArgs(req.query));
    return {
      model_versions: page.items.map(modelVersionToWire),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    };
  });

  app.get(
    `${prefix}/model-versions/get-download-uri`,
    { schema: { tags, querystring: Type.Object(NameVersion) } },
    async (req) => ({
      artifact_uri: downloadUriOf(await versions.get(req.query.name, checkVersion(req.query.version))),
    }),
  );

  app.post(
    `${prefix}/model-versions/set-tag`,
    { schema: { tags, body: Type.Object({ ...NameVersion, key: Type.String(), value: Type.String() }) } },
    async (req) => {
      await versions.setTag(req.body.name, checkVersion(req.body.version), {
        key: req.body.key,
        value: req.body.value,
      });
      return {};
    },
  );

  app.delete(
    `${prefix}/model-versions/delete-tag`,
    { schema: { tags, body: Type.Object({ ...NameVersion, key: Type.String() }) } },
    async (req) => {
      await versions.deleteTag(req.body.name, checkVersion(req.body.version), req.body.key);
      return {};
    },
  );

  // The legacy stage model; each transition is recorded in the promotion history.
  app.post(
    `${prefix}/model-versions/transition-stage`,
    {
      schema: {
        tags,
        body: Type.Object({
          ...NameVersion,
          stage: Type.String(),
          archive_existing_versions: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (req) => ({
      model_version: modelVersionToWire(
        await aliases.transitionStage(
          req.body.name,
          checkVersion(req.body.version),
          req.body.stage,
          req.body.archive_existing_versions ?? false,
        ),
      ),
    }),
  );
}
