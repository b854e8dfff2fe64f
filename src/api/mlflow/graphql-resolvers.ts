import {
  buildSchema,
  getNullableType,
  GraphQLError,
  isEnumType,
  isListType,
  isObjectType,
  Kind,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { fromWireNumber, type WireNumberValue } from '../../core/wire-number.js';
import type { Platform } from '../../platform.js';
import type { GraphqlAccess } from './graphql-access.js';
import { mlflowGraphqlSdl } from './graphql-schema.js';
import { modelVersionToWire } from './registry-wire.js';
import {
  datasetSummaries,
  metricHistoryBulkInterval,
  runArtifactListing,
  runWithOutputs,
} from './run-reads.js';
import { runIdOf } from './tracking-routes.js';
import { experimentToWire, runToWire, viewTypeFromWire } from './wire.js';

/** What every field of one GraphQL request resolves with. */
export interface GraphqlContext {
  platform: Platform;
  access: GraphqlAccess;
  /** Experiments already read in this request, by id (a search's runs share a few). */
  experiments: Map<string, Promise<ReturnType<typeof experimentToWire>>>;
}

type Wire = Record<string, unknown>;
type Input = Record<string, unknown> | null | undefined;
type Resolver = GraphQLFieldResolver<Wire, GraphqlContext, { input?: Input; inputString?: string | null }>;

/**
 * Each field resolves to what the MLflow REST route answers for the same object (the same
 * services and wire mapping): the root fields call them, every other field reads its snake_case
 * property from that answer. A property the answer leaves out reads as MLflow's GraphQL answers
 * it, with protobuf's default (`""`, `"0"`, `false`, `[]`, an empty object), since MLflow
 * resolves fields from protobuf messages.
 */
const rootFields: Record<'Query' | 'Mutation', Record<string, Resolver>> = {
  Query: {
    async mlflowGetExperiment(_source, { input }, { platform, access }) {
      const id = text(input?.experimentId);
      await access.require('experiments.read', 'experiment', [id]);
      return { experiment: experimentToWire(await platform.tracking.experiments.get(id)) };
    },
    async mlflowGetRun(_source, { input }, { platform, access }) {
      const run = await runWithOutputs(platform.tracking, runIdOf(runRef(input)));
      await access.require('runs.read', 'experiment', [run.info.experiment_id]);
      return { run };
    },
    mlflowSearchRuns: searchRuns,
    async mlflowGetMetricHistoryBulkInterval(_source, { input }, { platform, access }) {
      const runIds = texts(input?.runIds);
      if (access.enforced)
        await access.require(
          'runs.read',
          'experiment',
          await Promise.all(
            runIds.map(async (id) => (await platform.tracking.runs.get(id)).info.experimentId),
          ),
        );
      return metricHistoryBulkInterval(platform.tracking.runs, {
        runIds,
        metricKey: optionalText(input?.metricKey),
        startStep: optionalNumber(input?.startStep),
        endStep: optionalNumber(input?.endStep),
        maxResults: optionalNumber(input?.maxResults),
      });
    },
    async mlflowListArtifacts(_source, { input }, { platform, access }) {
      const runId = runIdOf(runRef(input));
      if (access.enforced)
        await access.require('runs.read', 'experiment', [
          (await platform.tracking.runs.get(runId)).info.experimentId,
        ]);
      return runArtifactListing(platform.tracking, runId, optionalText(input?.path) ?? '');
    },
    async mlflowSearchModelVersions(_source, { input }, { platform, access }) {
      const page = await platform.registry.versions.search({
        filter: optionalText(input?.filter),
        maxResults: optionalNumber(input?.maxResults),
        orderBy: optionalTexts(input?.orderBy),
        pageToken: optionalText(input?.pageToken),
      });
      // A listing of every model: each version is shown only to who may read its model.
      const readable = await readableVersions(access, page.items);
      return {
        model_versions: readable.map(modelVersionToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },
    test: (_source, { inputString }) => ({ output: inputString ?? null }),
  },
  Mutation: {
    mlflowSearchRuns: searchRuns,
    async mlflowSearchDatasets(_source, { input }, { platform, access }) {
      const experimentIds = texts(input?.experimentIds);
      await access.require('runs.read', 'experiment', experimentIds);
      return datasetSummaries(platform.tracking.runs, experimentIds);
    },
    testMutation: (_source, { inputString }) => ({ output: inputString ?? null }),
  },
};

async function searchRuns(
  _source: Wire,
  { input }: { input?: Input },
  { platform, access }: GraphqlContext,
): Promise<Wire> {
  const experimentIds = texts(input?.experimentIds);
  await access.require('runs.read', 'experiment', experimentIds);
  const { runs, loggedModels } = platform.tracking;
  const page = await runs.search({
    experimentIds,
    filter: optionalText(input?.filter),
    // The schema defaults it to null, MLflow's declaration: null is the default view.
    viewType: viewTypeFromWire(
      (input?.runViewType ?? undefined) as 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' | undefined,
    ),
    maxResults: optionalNumber(input?.maxResults),
    orderBy: optionalTexts(input?.orderBy),
    pageToken: optionalText(input?.pageToken),
  });
  const outputs = await loggedModels.outputsOf(page.items.map((r) => r.info.runId));
  return {
    runs: page.items.map((run) => ({
      ...runToWire(run),
      outputs: {
        model_outputs: (outputs.get(run.info.runId) ?? []).map((o) => ({
          model_id: o.modelId,
          step: o.step,
        })),
      },
    })),
    ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
  };
}

/** Fields that are not a property of the REST answer. */
const objectFields: Record<string, Record<string, Resolver>> = {
  MlflowRunExtension: {
    // Same project as the run, which was checked already.
    experiment(run, _args, { platform, experiments }) {
      const id = String((run.info as Wire).experiment_id);
      let experiment = experiments.get(id);
      if (!experiment) {
        experiment = platform.tracking.experiments.get(id).then(experimentToWire);
        experiments.set(id, experiment);
      }
      return experiment;
    },
    async modelVersions(run, _args, { platform, access }) {
      const runId = String((run.info as Wire).run_id).replaceAll("'", '');
      const page = await platform.registry.versions.search({
        filter: `run_id = '${runId}'`,
        maxResults: 1000,
      });
      return (await readableVersions(access, page.items)).map(modelVersionToWire);
    },
  },
  MlflowMetricExtension: { value: metricValue },
  MlflowMetricWithRunId: { value: metricValue },
  MlflowModelMetric: { value: metricValue },
};

/** A metric's value; NaN, which GraphQL's Float cannot carry, is null (as MLflow answers it). */
function metricValue(metric: Wire): number | null {
  const value = metric.value === undefined ? 0 : fromWireNumber(metric.value as WireNumberValue);
  return Number.isNaN(value) ? null : value;
}

async function readableVersions<T extends { name: string }>(
  access: GraphqlAccess,
  versions: T[],
): Promise<T[]> {
  if (!access.enforced) return versions;
  const readable = await Promise.all(versions.map((v) => access.may('models.read', 'model', v.name)));
  return versions.filter((_, i) => readable[i]);
}

/**
 * The resolver of every field without its own: the field's snake_case property of the REST
 * answer, else protobuf's default.
 */
export const mlflowGraphqlFieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (
  source,
  _args,
  _context,
  info,
) => {
  const value = (source as Wire | null)?.[snakeCase(info.fieldName)];
  if (value !== undefined) return value;
  // Not a proto field: MLflow's answers never carry one.
  if (info.fieldName === 'apiError') return null;
  return protoDefault(info.returnType);
};

function protoDefault(type: GraphQLOutputType): unknown {
  const named = getNullableType(type);
  if (isListType(named)) return [];
  if (isEnumType(named)) return null;
  if (isObjectType(named)) return {};
  switch (named.name) {
    case 'String':
      return '';
    case 'LongString':
      return '0';
    case 'Boolean':
      return false;
    default:
      return 0;
  }
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * int64 as a decimal string on the way out (JavaScript numbers lose digits past 2^53); on the way
 * in an integer or a string of digits.
 */
const longString: Pick<GraphQLScalarType, 'serialize' | 'parseValue' | 'parseLiteral'> = {
  serialize: (value) => String(value),
  parseValue: (value) => parseLong(value),
  parseLiteral: (node: ValueNode) =>
    parseLong(node.kind === Kind.INT || node.kind === Kind.STRING ? node.value : undefined),
};

function parseLong(value: unknown): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number))
    throw new GraphQLError(`LongString cannot represent ${JSON.stringify(value)}`);
  return number;
}

let built: GraphQLSchema | undefined;

/** MLflow's GraphQL schema with mloop's resolvers, built once. */
export function mlflowGraphqlSchema(): GraphQLSchema {
  if (built) return built;
  const schema = buildSchema(mlflowGraphqlSdl);
  // A schema built from SDL has no resolvers or scalar coercion: they are attached here.
  Object.assign(schema.getType('LongString') as GraphQLScalarType, longString);
  for (const [typeName, fields] of Object.entries({ ...objectFields, ...rootFields })) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`no GraphQL type ${typeName}`);
    const declared = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = declared[fieldName];
      if (!field) throw new Error(`no GraphQL field ${typeName}.${fieldName}`);
      field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  built = schema;
  return schema;
}

function runRef(input: Input): { run_id: string | undefined; run_uuid: string | undefined } {
  return { run_id: optionalText(input?.runId), run_uuid: optionalText(input?.runUuid) };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function optionalTexts(value: unknown): string[] | undefined {
  return Array.isArray(value) ? texts(value) : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
