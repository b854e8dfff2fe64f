import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DemoServer {
  url: string;
  pid: number;
  /** Where the server writes its log. */
  log: string;
  stop(): Promise<void>;
  /** Lets this process exit while the server keeps running. */
  detach(): void;
}

export interface DemoServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The server's database (MLOOP_DATABASE_URL); the embedded SQLite file in `home` by default. */
  databaseUrl?: string | undefined;
}

/**
 * Starts `mloop server` on `home` with the fast clocks the demo needs (the rollout judged every
 * 250 ms; alert rules evaluated by the demo itself, so the story does not race a scheduler) and
 * waits for its "listening on" line. `command` is how to run the CLI: `node dist/cli/main.js` for
 * `npm run demo`, tsx on the sources in tests. The log goes to a file, so the server can outlive us.
 */
export async function startDemoServer(
  home: string,
  command: string[],
  options: DemoServerOptions = {},
): Promise<DemoServer> {
  mkdirSync(home, { recursive: true });
  const log = join(home, 'server.log');
  const fd = openSync(log, 'a');
  const [program, ...args] = command as [string, ...string[]];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLOOP_HOME: home,
    MLOOP_ROLLOUT_INTERVAL_MS: '250',
    MLOOP_ALERT_INTERVAL_MS: '0',
    ...(options.databaseUrl ? { MLOOP_DATABASE_URL: options.databaseUrl } : {}),
  };
  delete env.MLOOP_URL;
  const child = spawn(
    program,
    [...args, 'server', '--host', '127.0.0.1', '--port', String(options.port ?? 0)],
    {
      env,
      stdio: ['ignore', fd, fd],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    const text = readFileSync(log, 'utf8');
    url = /listening on (http:\/\/[^\s"',]+)/.exec(text)?.[1];
    if (url) break;
    if (child.exitCode !== null) throw new Error(`mloop server exited before listening:\n${text}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`mloop server did not start within 30 s:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid ?? 0,
    log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    detach: () => child.unref(),
  };
}
