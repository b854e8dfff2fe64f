import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tempDir } from './tmp.js';
import { CLI } from './cli.js';

// `mloop server` prints "mloop server listening on http://HOST:PORT". The URL stops at whitespace
// or quotes, so the line may also sit inside a JSON log record.
const LISTENING = /listening on (http:\/\/[^\s"',]+)/;

export interface StartServerOptions {
  /** MLOOP_HOME of the server; a fresh temp dir (removed after the file's tests) when omitted. */
  home?: string;
  /** Extra environment, on top of this process's. */
  env?: Record<string, string>;
  /** Extra CLI arguments after `server --host 127.0.0.1 --port 0`; the server runs with cwd = home. */
  args?: string[];
  /** The CLI command that serves, `server` by default (`serve` runs one model). */
  command?: string;
  /** How long to wait for the "listening on" line; 30 s by default. */
  startTimeoutMs?: number;
  /** The CLI script to run, the repository's build by default (an installed package's, say). */
  cli?: string;
}

export interface ServerProcess {
  /** Base URL as printed by the server, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  home: string;
  child: ChildProcess;
  /** SIGTERM, then wait for exit (SIGKILL and an error if it does not exit within 10 s). */
  stop(): Promise<void>;
  /** SIGKILL, then wait for exit: a crash, for recovery tests. */
  kill9(): Promise<void>;
  /** Everything the server wrote so far to stdout and stderr, interleaved. */
  output(): string;
}

const running = new Set<ChildProcess>();

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Runs the built CLI as `mloop server --host 127.0.0.1 --port 0` in a child process and resolves
 * once it reports its address. Servers still running after the file's tests are killed.
 */
export async function startServer(opts: StartServerOptions = {}): Promise<ServerProcess> {
  const cli = opts.cli ?? CLI;
  if (!existsSync(cli)) {
    throw new Error(`${cli} does not exist: build first (\`npm test\` runs \`npm run build\`).`);
  }
  const home = opts.home ?? tempDir('mloop-server-');
  const child = spawn(
    process.execPath,
    [cli, opts.command ?? 'server', '--host', '127.0.0.1', '--port', '0', ...(opts.args ?? [])],
    { cwd: home, env: { ...process.env, MLOOP_HOME: home, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));

  let output = '';
  let stdout = '';
  let started = false;
  const details = () => `command: node ${cli} server (cwd ${home})\n--- output ---\n${output}`;

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not report "listening on" within ${timeoutMs} ms\n${details()}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (started) return;
      stdout += chunk.toString();
      const match = LISTENING.exec(stdout);
      if (match?.[1]) {
        started = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not spawn the server: ${error.message}\n${details()}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening\n${details()}`));
    });
  });

  let printed: string;
  try {
    printed = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
    throw error;
  }
  const url = printed.replace(/\/+$/, '');
  const port = Number(new URL(url).port);

  return {
    url,
    port,
    home,
    child,
    output: () => output,
    async stop() {
      if (hasExited(child)) return;
      child.kill('SIGTERM');
      if (await waitForExit(child, 10_000)) return;
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
      throw new Error(`server did not exit within 10 s of SIGTERM; killed it\n${details()}`);
    },
    async kill9() {
      if (hasExited(child)) return;
      child.kill('SIGKILL');
      await waitForExit(child, 10_000);
    },
  };
}

function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

// Registered when a test file imports this module; hooks run in reverse order, so this runs before
// tmp.ts removes the home directories these servers use.
afterAll(async () => {
  const children = [...running];
  killAll();
  await Promise.all(children.map((child) => waitForExit(child, 5_000)));
});
// A worker that dies must not leave servers behind holding ports.
process.once('exit', killAll);
