import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { CLI, type CliResult } from '../helpers/cli.js';
import { describeEachDialect } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

/** The built CLI with only MLOOP_DATABASE_URL and a home set, as the chart's migration Job runs it. */
function mloop(args: string[], databaseUrl: string, home: string): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, MLOOP_HOME: home, MLOOP_DATABASE_URL: databaseUrl };
  delete env.MLOOP_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: home, env, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describeEachDialect('mloop migrate', (dialect) => {
  it('creates the schema of an empty database, then finds nothing to apply', async () => {
    const home = tempDir('mloop-migrate-');
    const url = dialect === 'sqlite' ? `sqlite:${join(home, 'meta.db')}` : await freshPostgresUrl();

    const first = await mloop(['migrate', '--json'], url, home);
    expect(first.code, first.stderr).toBe(0);
    const { applied } = JSON.parse(first.stdout) as { dialect: string; applied: string[] };
    expect(applied[0]).toBe('0001-tracking');
    expect(applied.length).toBeGreaterThan(20);

    // The schema is there: a server opening it has nothing left to migrate.
    const database = await openDatabase(url, { migrate: false });
    try {
      const tables = await database.tables<unknown>().introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['experiments', 'predictions', 'audit_log']),
      );
    } finally {
      await database.close();
    }

    const again = await mloop(['migrate'], url, home);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`${dialect} schema already up to date`);
  });
});
