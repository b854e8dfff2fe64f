import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { registryAddress } from './model-address.js';
import { registerMetricsRoute } from './metrics-route.js';
import { registerOipRoutes } from './oip-routes.js';
import { registerPredictRoutes } from './predict-routes.js';
import { registerPredictionRoutes } from './prediction-routes.js';

/** Inference on every registered model, the prediction log's reads, and `/metrics`. */
export function registerServingRoutes(app: App, platform: Platform): void {
  const { predictions, log, metrics } = platform.serving;
  const address = registryAddress();
  registerPredictRoutes(app, predictions, address);
  registerOipRoutes(app, predictions, address, { name: 'mloop', version: '0.1.0' });
  registerPredictionRoutes(app, log);
  registerMetricsRoute(app, metrics);
}
