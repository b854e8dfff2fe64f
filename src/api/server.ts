import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../core/logging.js';
import type { Platform } from '../platform.js';
import { startAlertScheduler } from '../monitoring/alerts/alert-scheduler.js';
import { startRolloutTicker } from '../serving/deployments/rollout-controller.js';
import { retentionIntervalMs, retentionTasks, startRetention } from '../operations/retention.js';
import { ensureLocalAdminToken } from '../governance/local-admin-token.js';
import { authEnabled, registerAccessControl } from './auth.js';
import { registerBodyTypes } from './body-types.js';
import { registerBrowserGuards } from './browser-guards.js';
import { answerClientError, sendError } from './errors.js';
import { registerJsonBodyParser } from './json-body.js';
import { operationIdOf } from './operation-ids.js';
import { registerGovernanceRoutes } from './native/governance-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerAlertRoutes } from './native/alert-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerMlflowArtifactRoutes } from './mlflow/artifact-routes.js';
import { registerMlflowAssessmentRoutes } from './mlflow/assessment-routes.js';
import { registerMlflowLoggedModelRoutes } from './mlflow/logged-model-routes.js';
import { registerMlflowRegistryRoutes } from './mlflow/registry-routes.js';
import { registerMlflowTrackingRoutes } from './mlflow/tracking-routes.js';
import { registerMlflowTraceRoutes } from './mlflow/trace-routes.js';
import { apiUrlOfUiUrl } from './mlflow/ui-prefix.js';
import { registerMlflowUiRoutes } from './mlflow/ui-routes.js';
import { registerMlflowWireChecks } from './mlflow/wire-checks.js';
import { registerDatasetRoutes } from './native/dataset-routes.js';
import { registerNativeModelRoutes } from './native/model-routes.js';
import { registerDatasetValidationRoutes } from './native/dataset-validation-routes.js';
import { registerNativeModelVersionRoutes } from './native/model-version-routes.js';
import { registerGateRoutes } from './native/gate-routes.js';
import { registerDeploymentRoutes } from './native/deployment-routes.js';
import { registerFeedbackRoutes } from './native/feedback-routes.js';
import { registerMonitoringRoutes } from './native/monitoring-routes.js';
import { registerPipelineRoutes } from './native/pipeline-routes.js';
import { registerNativeTrackingRoutes } from './native/tracking-routes.js';
import { registerNativeTraceRoutes } from './native/trace-routes.js';
import { registerServingRoutes } from './serving/serving-routes.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  logger?: Logger | false;
  /** Judge running rollouts this often (ms); none are judged when omitted (tests drive them). */
  rolloutIntervalMs?: number;
  /** Evaluate enabled alert rules this often (ms); none are evaluated on a schedule when omitted. */
  alertIntervalMs?: number;
  /** Require tokens; by default as `config.auth` says (`auto`: on unless listening on loopback). */
  auth?: boolean;
}

/** Builds the HTTP app over a platform: native REST, MLflow-compatible routes, OpenAPI at /openapi.json. */
export async function buildServer(platform: Platform, options: ServerOptions = {}): Promise<App> {
  const app = await createApp(platform, options);
  const authOn = options.auth ?? authEnabled(platform.config.auth, platform.config.host);
  registerAccessControl(app, platform, { enabled: authOn });
  if (!authOn) await ensureLocalAdminToken(platform.governance.tokens, platform.config.home);
  registerHealthRoutes(app);
  registerGovernanceRoutes(app, platform);
  registerNativeTrackingRoutes(app, platform);
  registerNativeTraceRoutes(app, platform);
  registerNativeModelRoutes(app, platform);
  registerNativeModelVersionRoutes(app, platform);
  registerGateRoutes(app, platform);
  registerDatasetValidationRoutes(app, platform);
  registerDatasetRoutes(app, platform);
  registerMlflowWireChecks(app);
  registerMlflowTrackingRoutes(app, platform);
  registerMlflowArtifactRoutes(app, platform);
  registerMlflowLoggedModelRoutes(app, platform);
  registerMlflowRegistryRoutes(app, platform);
  registerMlflowUiRoutes(app, platform);
  registerMlflowTraceRoutes(app, platform);
  registerMlflowAssessmentRoutes(app, platform);
  registerDeploymentRoutes(app, platform);
  if (options.rolloutIntervalMs) {
    const stop = startRolloutTicker(
      platform.deployments.rollouts,
      options.rolloutIntervalMs,
      platform.background,
    );
    app.addHook('onClose', async () => stop());
  }
  registerServingRoutes(app, platform);
  registerAlertRoutes(app, platform);
  if (options.alertIntervalMs) {
    const scheduler = startAlertScheduler(
      platform.monitoring.alerts.evaluator,
      options.alertIntervalMs,
      platform.background,
      app.log,
    );
    app.addHook('onClose', async () => scheduler.stop());
  }
  const retention = retentionTasks(platform);
  if (retention.length > 0) {
    const duty = startRetention(
      retention,
      retentionIntervalMs,
      platform.background,
      platform.governance.audit,
      app.log,
    );
    app.addHook('onClose', async () => duty.stop());
  }
  registerFeedbackRoutes(app, platform);
  registerMonitoringRoutes(app, platform);
  registerPipelineRoutes(app, platform);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await registerDashboardRoutes(app);
  await app.ready();
  return app;
}

/**
 * The Fastify app every mloop HTTP server starts from (`mloop server`, `mloop serve`): schema
 * validation, the one error body, OpenAPI generation. The caller adds the routes.
 */
export async function createApp(
  platform: Platform,
  options: ServerOptions = {},
  description = 'mloop REST API and MLflow-compatible routes',
): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger || undefined,
    bodyLimit: platform.config.bodyLimitBytes,
    rewriteUrl: (request) => apiUrlOfUiUrl(request.url ?? '/'),
    // Deeply nested JSON is refused before it reaches a handler.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    // Per-request info logs cost more than a metric batch's insert; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: `No route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
  registerBrowserGuards(
    app,
    platform.config,
    options.auth ?? authEnabled(platform.config.auth, platform.config.host),
  );
  registerBodyTypes(app, platform.config);
  registerJsonBodyParser(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'mloop', version: '0.1.0', description },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token, mlp_… (`mloop tokens create`)',
          },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: "Any user name, the token as password (MLflow's MLFLOW_TRACKING_USERNAME/PASSWORD)",
          },
        },
      },
      // Tokens are required with auth on (off loopback by default); `{}`: a loopback server takes
      // requests without one, except those that run code.
      security: [{ bearer: [] }, { basic: [] }, {}],
    },
    // Every operation gets its stable operationId from one place (api/operation-ids.ts).
    transform: ({ schema, url, route }) => ({
      schema: {
        ...schema,
        operationId:
          (schema as { operationId?: string } | undefined)?.operationId ??
          operationIdOf(methodOf(route.method), url),
      },
      url,
    }),
  });
  return app;
}

/** A route registered for several methods names its operation after the first. */
function methodOf(method: string | string[]): string {
  return Array.isArray(method) ? (method[0] ?? 'GET') : method;
}
