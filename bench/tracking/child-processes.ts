import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/**
 * Children the benchmark started, each the leader of its own process group: MLflow's server forks
 * uvicorn workers, and signalling the group reaches them too. Whatever still runs when this process
 * exits (normally, on an error, or on Ctrl-C) is killed, so no server outlives the benchmark.
 */
const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

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

export interface StartedProcess {
  child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr go to one log file). */
  logTail(lines?: number): string;
  /** SIGTERM to the group, SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Spawns a command in a new process group with its output sent to `logPath`. */
export function startProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { logPath: string },
): StartedProcess {
  const log = createWriteStream(options.logPath);
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    // The group's other members (workers) must not outlive their leader.
    signalGroup(child, 'SIGKILL');
  });
  return {
    child,
    logTail(lines = 40) {
      try {
        return readFileSync(options.logPath, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async stop() {
      if (hasExited(child)) return;
      signalGroup(child, 'SIGTERM');
      if (await waitForExit(child, 15_000)) return;
      signalGroup(child, 'SIGKILL');
      await waitForExit(child, 5_000);
    },
  };
}

function killAll(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    killAll();
    process.exit(130);
  });
}
