import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

const built = resolve('dist/store/database.js');

/** A process that opens the store as mloop does and runs `times` read-then-write transactions. */
function incrementer(path: string, times: number): Promise<{ code: number | null; output: string }> {
  const script = `
    const { openDatabase } = await import(${JSON.stringify(pathToFileURL(built).href)});
    const database = await openDatabase(${JSON.stringify(`sqlite:${path}`)}, { migrate: false });
    const db = database.tables();
    for (let i = 0; i < ${times}; i++) {
      await db.transaction().execute(async (tx) => {
        const { n } = await tx.selectFrom('counter').select('n').executeTakeFirstOrThrow();
        await tx.updateTable('counter').set({ n: n + 1 }).execute();
      });
    }
    await database.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

describe('SQLite transactions across processes', () => {
  it.skipIf(!existsSync(built))(
    'read then write without SQLITE_BUSY when two processes do it at once, and lose no update',
    async () => {
      const path = join(tempDir('mloop-immediate-'), 'store.db');
      const setup = new BetterSqlite3(path);
      setup.pragma('journal_mode = WAL');
      setup.exec('create table counter (n integer not null); insert into counter values (0)');
      setup.close();
      const results = await Promise.all([incrementer(path, 300), incrementer(path, 300)]);
      for (const r of results) expect(r.code, r.output).toBe(0);
      const check = new BetterSqlite3(path, { readonly: true });
      expect(check.prepare('select n from counter').get()).toEqual({ n: 600 });
      check.close();
    },
    60_000,
  );
});
