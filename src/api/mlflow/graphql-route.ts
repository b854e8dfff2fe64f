import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
} from 'graphql';
import { isMloopError } from '../../core/errors.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { graphqlAccessOf } from './graphql-access.js';
import { graphqlLimitBreached, GRAPHQL_MAX_TOKENS } from './graphql-limits.js';
import { mlflowGraphqlFieldResolver, mlflowGraphqlSchema } from './graphql-resolvers.js';

const tags = ['mlflow-ui'];

/** MLflow's answer: `data`, and `errors` as a list of messages (null when none), always with 200. */
interface GraphqlAnswer {
  data: ExecutionResult['data'] | null;
  errors: string[] | null;
}

interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown> | null | undefined;
  operationName?: string | null | undefined;
}

/**
 * `/graphql` as MLflow's server serves it: POST with a JSON body `{query, variables,
 * operationName}` (as its UI's Apollo client sends), GET with those as query parameters (queries
 * only). A POST is a JSON route like any other, so the browser guards refuse it from other
 * origins and as a form or text body. Every field checks the caller's role in the project of what
 * it reads (the route itself is open to the access hook, which cannot know what a query reaches);
 * without a token where tokens are required it answers 401 as other routes do.
 */
export function registerMlflowGraphqlRoutes(app: App, platform: Platform): void {
  const config = { action: 'public' };
  app.post(
    '/graphql',
    {
      config,
      schema: {
        tags,
        body: Type.Object(
          {
            query: Type.String(),
            variables: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
            operationName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (req) => answer(req, platform, req.body, 'POST'),
  );
  app.get(
    '/graphql',
    {
      config,
      schema: {
        tags,
        querystring: Type.Object({
          query: Type.String(),
          variables: Type.Optional(Type.String()),
          operationName: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      let variables: Record<string, unknown> | undefined;
      try {
        variables = req.query.variables === undefined ? undefined : JSON.parse(req.query.variables);
      } catch {
        return refused('variables is not valid JSON');
      }
      return answer(req, platform, { ...req.query, variables }, 'GET');
    },
  );
}

async function answer(
  request: FastifyRequest,
  platform: Platform,
  body: GraphqlRequest,
  method: 'GET' | 'POST',
): Promise<GraphqlAnswer> {
  // First, so a caller without a token hears 401 whatever it asked.
  const access = graphqlAccessOf(request, platform);
  let document: DocumentNode;
  try {
    document = parse(body.query, { maxTokens: GRAPHQL_MAX_TOKENS });
  } catch (error) {
    return refused((error as GraphQLError).message);
  }
  const breach = graphqlLimitBreached(document);
  if (breach) return refused(breach);
  const schema = mlflowGraphqlSchema();
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { data: null, errors: invalid.map((e) => e.message) };
  // Clients send `null` (or, coerced by the schema, `""`) for none.
  const operationName = body.operationName || undefined;
  // GET requests may be cached and prefetched; anything called a mutation goes by POST.
  if (method === 'GET' && getOperationAST(document, operationName)?.operation === 'mutation')
    return refused('Mutations must be sent with POST');
  const result = await execute({
    schema,
    document,
    variableValues: body.variables ?? undefined,
    operationName,
    contextValue: { platform, access, experiments: new Map() },
    fieldResolver: mlflowGraphqlFieldResolver,
  });
  return {
    data: result.data ?? null,
    errors: result.errors ? result.errors.map((e) => messageOf(e, request)) : null,
  };
}

function refused(message: string): GraphqlAnswer {
  return { data: null, errors: [message] };
}

/** An mloop error's or GraphQL's own message; anything else is a bug, logged and not shown. */
function messageOf(error: GraphQLError, request: FastifyRequest): string {
  const cause = error.originalError;
  if (cause === undefined || cause instanceof GraphQLError || isMloopError(cause)) return error.message;
  request.log.error({ err: cause, path: error.path }, 'unhandled error in a GraphQL field');
  return 'Internal server error; see the server log for details';
}
