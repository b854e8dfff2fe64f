import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type Dialect, type Driver } from 'kysely';
import { invalidParameter } from '../core/errors.js';
import { migrateToLatest } from './migrations/index.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * The metadata database: one Kysely instance, whichever dialect runs below. Domains view it
 * through their own table types with `tables<T>()`, so no domain code branches on the dialect.
 */
export interface Database {
  readonly dialect: DialectName;
  readonly url: string;
  tables<T>(): Kysely<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
}

/** Opens `sqlite:PATH`, `sqlite::memory:` or `postgres://…` and brings its schema up to date. */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const { dialect, name } = await createDialect(url);
  const kysely = new Kysely<unknown>({ dialect });
  const database: Database = {
    dialect: name,
    url,
    tables: <T>() => kysely as unknown as Kysely<T>,
    close: () => kysely.destroy(),
  };
  if (options.migrate ?? true) await migrateToLatest(kysely, name);
  return database;
}

// Each dialect's driver is imported only when a URL of its dialect is opened: a CLI command on
// the embedded SQLite store should not pay for loading pg, nor a server on PostgreSQL for SQLite.
async function createDialect(url: string): Promise<{ dialect: Dialect; name: DialectName }> {
  if (url.startsWith('sqlite:')) {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    return {
      dialect: new ImmediateSqliteDialect({
        database: openSqlite(BetterSqlite3, url.slice('sqlite:'.length)),
      }),
      name: 'sqlite',
    };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { default: pg } = await import('pg');
    // pg returns int8 as strings to avoid precision loss; mloop's int8 columns hold millisecond
    // timestamps and steps, which are exact in a double.
    pg.types.setTypeParser(20, (value) => Number(value));
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // A connection the server drops (a restart, a failover) emits 'error' on its client, and an
    // 'error' nobody listens to ends the process. Idle ones are reported on the pool, checked-out
    // ones on the client; the query that uses it fails and says so, and the pool discards it.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return { dialect: new PostgresDialect({ pool }), name: 'postgres' };
  }
  throw invalidParameter('databaseUrl', `unsupported database URL "${url}": use sqlite:PATH or postgres://…`);
}

function openSqlite(Driver: typeof BetterSqlite3, path: string): BetterSqlite3.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Driver(path);
  // WAL lets readers run beside the writer; synchronous=FULL fsyncs every commit so an
  // acknowledged write survives a power loss, not only a killed process.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // MLflow's LIKE is case-sensitive (ILIKE is not); SQLite's LIKE must match PostgreSQL's.
  db.pragma('case_sensitive_like = ON');
  // Another process (the CLI beside a server) may hold the write lock briefly: wait, never fail.
  db.pragma('busy_timeout = 10000');
  return db;
}

/**
 * SQLite with every transaction begun IMMEDIATE: it takes the write lock before its first read.
 * A deferred BEGIN reads, then fails at once with SQLITE_BUSY (busy_timeout does not apply) when
 * it must upgrade to write after another process (the CLI beside a server) wrote in between; an
 * immediate one waits its turn instead. Reads outside transactions still run beside the writer.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}
