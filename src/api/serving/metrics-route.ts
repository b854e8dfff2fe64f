import type { ServingMetrics } from '../../serving/serving-metrics.js';
import type { App } from '../server.js';

/** Prometheus' scrape endpoint. */
export function registerMetricsRoute(app: App, metrics: ServingMetrics): void {
  app.get(
    '/metrics',
    { schema: { tags: ['metrics'], summary: 'Prometheus metrics (text exposition format)' } },
    async (_req, reply) => {
      const { contentType, body } = await metrics.exposition();
      return reply.type(contentType).send(body);
    },
  );
}
