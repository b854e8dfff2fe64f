import type { Platform } from '../platform.js';
import { authEnabled, registerAccessControl } from './auth.js';
import { registerHealthRoutes } from './health-routes.js';
import { createApp, type App, type ServerOptions } from './server.js';
import { registerMetricsRoute } from './serving/metrics-route.js';
import { singleModelAddress, type ModelAddress } from './serving/model-address.js';
import { registerOipRoutes } from './serving/oip-routes.js';
import { registerPredictRoutes } from './serving/predict-routes.js';

/** The model name of `NAME@ALIAS`, `NAME/VERSION` or `NAME`. */
export function modelNameOf(ref: string): string {
  const body = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref;
  const slash = body.indexOf('/');
  if (slash >= 0) return body.slice(0, slash);
  const at = body.lastIndexOf('@');
  return at > 0 ? body.slice(0, at) : body;
}

/** Where `mloop serve REF` answers: the one model at the root, over HTTP and gRPC alike. */
export function modelServerAddress(platform: Platform, ref: string): ModelAddress {
  return singleModelAddress(ref, modelNameOf(ref), platform.serving.models);
}

/**
 * An HTTP server for one model reference, as `mloop serve NAME@ALIAS` runs it: `/predict`,
 * `/invocations`, the Open Inference Protocol under `/v2`, `/health` and `/metrics` at the root.
 * The model is loaded before the server answers, and follows its alias as it moves. Tokens are
 * required as for `mloop server`: by `options.auth`, else `config.auth` (`auto`: off loopback).
 */
export async function buildModelServer(
  platform: Platform,
  ref: string,
  options: ServerOptions = {},
): Promise<App> {
  const { models, predictions, metrics } = platform.serving;
  // Load now: a reference that does not resolve or a model that cannot run fails the start.
  const lease = await models.acquire(ref);
  lease.release();

  const app = await createApp(platform, options, `mloop model server for ${ref}`);
  // /predict and /invocations name no model: they act on the served one, in its project.
  registerAccessControl(app, platform, {
    enabled: options.auth ?? authEnabled(platform.config.auth, platform.config.host),
    servedModel: modelNameOf(ref),
  });
  const address = modelServerAddress(platform, ref);
  registerHealthRoutes(app);
  registerPredictRoutes(app, predictions, address);
  registerOipRoutes(app, predictions, address, { name: 'mloop', version: '0.1.0' });
  registerMetricsRoute(app, metrics);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
