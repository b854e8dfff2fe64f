import { Type } from '@sinclair/typebox';
import type { App } from './server.js';

export function registerHealthRoutes(app: App): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness of the server',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
}
