import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { expect, it } from 'vitest';
import { describeOnPostgres, freshPostgresUrl } from './helpers/postgres.js';
import { describeWithPython, pythonPath } from './helpers/python.js';

const run = promisify(execFile);

describeOnPostgres('test PostgreSQL', () => {
  it('hands out a fresh database that answers queries', async () => {
    const url = await freshPostgresUrl();
    expect(new URL(url).pathname).toMatch(/^\/mloop_t_[0-9a-f]+$/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query<{ one: number; db: string }>(
        'select 1 as one, current_database() as db',
      );
      expect(result.rows).toEqual([{ one: 1, db: new URL(url).pathname.slice(1) }]);
    } finally {
      await client.end();
    }
  });
});

describeWithPython('test Python environment', () => {
  it('has the mlflow version pinned in scripts/requirements-test.txt', async () => {
    const requirements = readFileSync(new URL('../scripts/requirements-test.txt', import.meta.url), 'utf8');
    const pinned = /^mlflow==(\S+)/m.exec(requirements)?.[1];
    expect(pinned).toBeDefined();
    const { stdout } = await run(pythonPath(), ['-c', 'import mlflow; print(mlflow.__version__)']);
    expect(stdout.trim()).toBe(pinned);
  });
});
