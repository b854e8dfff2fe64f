import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { testServiceFromEnv } from './test-services.js';

const VARIABLE = 'MLOOP_TEST_POSTGRES_URL';
const WHAT = 'PostgreSQL';

/** True when a test PostgreSQL server is configured (throws under `npm test` if it is not). */
export function postgresAvailable(): boolean {
  return testServiceFromEnv(VARIABLE, WHAT) !== undefined;
}

/** `describe` for suites that need PostgreSQL: skipped when none is configured outside `npm test`. */
export const describeOnPostgres = postgresAvailable() ? describe : describe.skip;

function adminUrl(): string {
  const url = testServiceFromEnv(VARIABLE, WHAT);
  if (!url) throw new Error(`${VARIABLE} is not set; guard the suite with describeOnPostgres.`);
  return url;
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const created: string[] = [];

/**
 * Creates an empty database with a unique name and returns its URL, so each test file (or test)
 * gets its own schema state. The databases are dropped after the file's tests.
 */
export async function freshPostgresUrl(): Promise<string> {
  const name = `mloop_t_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

// Registered when a test file imports this module, so it runs after that file's tests; hooks run
// in reverse order, so the file's own afterAll (closing its pools) has run by then. A database
// still in use is left in place: scripts/lib/postgres.sh drops leftovers when it starts the server.
afterAll(async () => {
  if (created.length === 0) return;
  const names = created.splice(0);
  await withAdminClient(async (client) => {
    for (const name of names) {
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      } catch (error) {
        console.warn(`could not drop test database ${name} (connections left open?): ${String(error)}`);
      }
    }
  });
});
