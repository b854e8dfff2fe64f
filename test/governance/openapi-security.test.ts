import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type App } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';

interface SecurityDocument {
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
  security?: Array<Record<string, string[]>>;
}

// Generated clients and API tools read how to authenticate from the document.
describe('the OpenAPI document on a server that requires tokens', () => {
  let platform: Platform;
  let app: App;
  let document: SecurityDocument;
  beforeAll(async () => {
    platform = await openTestPlatform('sqlite');
    app = await buildServer(platform, { logger: false, auth: true });
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200); // public, like /health
    document = response.json<SecurityDocument>();
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it('declares the token as HTTP Bearer, and as the password of HTTP Basic (MLflow clients)', () => {
    const schemes = document.components?.securitySchemes ?? {};
    const http = Object.values(schemes).map((s) => [s.type, s.scheme]);
    expect(http).toEqual(
      expect.arrayContaining([
        ['http', 'bearer'],
        ['http', 'basic'],
      ]),
    );
    // Every scheme the operations are secured by is declared.
    const used = (document.security ?? []).flatMap((requirement) => Object.keys(requirement));
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(schemes).toHaveProperty(name);
  });
});
