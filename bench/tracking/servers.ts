import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type StartedProcess } from './child-processes.js';

export type ServerName = 'mloop' | 'mlflow';

/** A tracking server under test, reachable on the loopback interface. */
export interface BenchServer {
  name: ServerName;
  url: string;
  /** Where its data lives: a fresh directory for each run of the benchmark. */
  dataDir: string;
  process: StartedProcess;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MLOOP_CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const STARTUP_TIMEOUT_MS = 180_000;

/**
 * Starts `mloop server` on an empty MLOOP_HOME (embedded SQLite unless `env` names another
 * database, as replicas sharing one PostgreSQL do) and waits for its address.
 */
export async function startMloop(dataDir: string, env: Record<string, string> = {}): Promise<BenchServer> {
  mkdirSync(dataDir, { recursive: true });
  const started = startProcess(
    process.execPath,
    [MLOOP_CLI, 'server', '--host', '127.0.0.1', '--port', '0'],
    {
      cwd: dataDir,
      // The database is set explicitly so a MLOOP_DATABASE_URL in the caller's environment cannot
      // point the benchmark at another store.
      env: {
        ...process.env,
        MLOOP_HOME: dataDir,
        MLOOP_DATABASE_URL: `sqlite:${databaseFile('mloop', dataDir)}`,
        // One client sends every request of the workload; MLflow's server has no rate limit.
        MLOOP_RATE_LIMIT_PER_MINUTE: '0',
        ...env,
      },
      logPath: join(dataDir, 'server.log'),
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('mloop did not report "listening on" in time')), 60_000);
    started.child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/[^\s"',]+)/.exec(seen);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1].replace(/\/+$/, ''));
      }
    });
    started.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`mloop server exited (code ${code}, signal ${signal}) before listening`));
    });
  }).catch(async (error: Error) => {
    await started.stop();
    throw new Error(`${error.message}\n--- server log ---\n${started.logTail()}`);
  });
  return { name: 'mloop', url, dataDir, process: started };
}

export interface MlflowOptions {
  /** The Python interpreter of the environment that has mlflow installed. */
  python: string;
  /** `--workers`; MLflow's own default when undefined. */
  workers: string | undefined;
  /** `--backend-store-uri`; a new SQLite database in `dataDir` when undefined. */
  backendStoreUri?: string;
}

/**
 * Starts `mlflow server` on a new SQLite database (or the one `backendStoreUri` names) with local
 * artifact storage, as the MLflow docs set up a single-machine tracking server, and waits until
 * /health answers.
 */
export async function startMlflow(dataDir: string, options: MlflowOptions): Promise<BenchServer> {
  mkdirSync(join(dataDir, 'artifacts'), { recursive: true });
  const port = await freePort();
  const args = [
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--backend-store-uri',
    options.backendStoreUri ?? mlflowDatabaseUri(dataDir),
    '--default-artifact-root',
    join(dataDir, 'artifacts'),
    ...(options.workers ? ['--workers', options.workers] : []),
  ];
  const started = startProcess(join(dirname(options.python), 'mlflow'), args, {
    cwd: dataDir,
    env: process.env,
    logPath: join(dataDir, 'server.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, started);
  } catch (error) {
    await started.stop();
    throw new Error(`${(error as Error).message}\n--- server log ---\n${started.logTail()}`);
  }
  return { name: 'mlflow', url, dataDir, process: started };
}

/** The SQLite file of a server's database. */
export function databaseFile(name: ServerName, dataDir: string): string {
  return join(dataDir, `${name}.db`);
}

/** The SQLAlchemy URI of the MLflow server's database in `dataDir` (absolute path: four slashes). */
export function mlflowDatabaseUri(dataDir: string): string {
  return `sqlite:///${databaseFile('mlflow', dataDir)}`;
}

async function waitForHealth(url: string, started: StartedProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(`mlflow server exited (code ${started.child.exitCode}) before it was healthy`);
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`mlflow server did not answer /health within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/** A port the OS reports free now; MLflow needs a number, it cannot bind port 0 and report it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
