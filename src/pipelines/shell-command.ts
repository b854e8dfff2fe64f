import { spawn } from 'node:child_process';

export interface CommandOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
}

/**
 * Runs `sh -c command` in its own process group, so a timeout or cancellation kills what the
 * command started too (`python train.py` under the shell), not only the shell.
 */
export function runCommand(
  command: string,
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs: number | undefined;
    signal: AbortSignal;
    onOutput: (text: string) => void;
  },
): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let cancelled = false;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const stop = () => {
      killGroup('SIGTERM');
      // A command that ignores SIGTERM is killed for good shortly after.
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => ((timedOut = true), stop()), options.timeoutMs);
    const onAbort = () => ((cancelled = true), stop());
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => options.onOutput(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => options.onOutput(chunk.toString('utf8')));
    child.on('error', (error) => options.onOutput(`failed to start: ${error.message}\n`));
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal, timedOut, cancelled });
    });
  });
}
