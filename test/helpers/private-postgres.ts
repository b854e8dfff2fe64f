import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { tempDir } from './tmp.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of a test's own, for tests that stop and start it (an outage): the shared
 * one at MLOOP_TEST_POSTGRES_URL serves every other test and must never go away. Made from the
 * server binaries scripts/lib/postgres.sh uses; undefined when they are not installed.
 */
export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  start(): Promise<void>;
  /** Stops at once, as a crash or a cut-off host would (`pg_ctl stop -m immediate`). */
  stop(): Promise<void>;
}

/** Debian puts each major version's server under /usr/lib/postgresql/N/bin; the newest wins. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

const started: PrivatePostgres[] = [];

/** Creates (initdb) a fresh cluster on a free port in a temp directory and starts it. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('PostgreSQL server binaries not found (see scripts/lib/postgres.sh)');
  // PostgreSQL refuses to run as root: as root, the server runs as the 'postgres' user.
  const asRoot = process.getuid?.() === 0;
  const as = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: '/' }) : run(command, args);
  const base = tempDir('mloop-private-pg-');
  chmodSync(base, 0o755);
  const data = join(base, 'data');
  mkdirSync(data);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(data, Number(stdout.trim()), Number(gid.trim()));
  }
  chmodSync(data, 0o700);
  await as(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  // Written here, appended by the server's user: the data directory is that user's alone.
  const settings = join(base, 'private.conf');
  writeFileSync(
    settings,
    `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${data}'\n`,
  );
  await as('sh', ['-c', `cat '${settings}' >> '${join(data, 'postgresql.conf')}'`]);
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await as(join(bin, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', data, '-l', join(data, 'server.log')]);
    },
    stop: async () => {
      await as(join(bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', data]);
    },
  };
  await server.start();
  started.push(server);
  return server;
}

// Before tmp.ts removes the data directory (hooks run in reverse order of registration).
afterAll(async () => {
  for (const server of started.splice(0)) await server.stop().catch(() => undefined);
});
