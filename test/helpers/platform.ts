import { join } from 'node:path';
import { describe } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { loadConfig, type ConfigOverrides } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { freshPostgresUrl, postgresAvailable } from './postgres.js';
import { tempDir } from './tmp.js';

export type TestDialect = 'sqlite' | 'postgres';

/**
 * A platform on a fresh database of the given dialect and a fresh artifact directory, with any
 * other settings given.
 */
export async function openTestPlatform(
  dialect: TestDialect,
  clock?: ManualClock,
  settings: ConfigOverrides = {},
): Promise<Platform> {
  const home = tempDir('mloop-platform-');
  const databaseUrl = dialect === 'sqlite' ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
  const config = loadConfig({ ...settings, home, databaseUrl }, {});
  return openPlatform(config, clock ? { clock } : {});
}

/** The dialects the store suite runs on: SQLite always, PostgreSQL when the test server is up. */
export function storeDialects(): TestDialect[] {
  return postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Runs the same suite once per dialect. */
export function describeEachDialect(name: string, suite: (dialect: TestDialect) => void): void {
  for (const dialect of storeDialects()) describe(`${name} [${dialect}]`, () => suite(dialect));
}
