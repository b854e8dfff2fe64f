import { spawn } from 'node:child_process';

export interface CommandOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
}

/**
 * The step's shell, in a group of its own with a watcher: the watcher blocks reading a pipe only
 * this process holds open (fd 3), so when this process ends, by any means including kill -9, the
 * read returns and the watcher ends the whole group. A step never outlives its server or worker.
 * The watcher ignores the SIGTERM a timeout sends the group, writes nowhere (so the shell's output
 * closes when the step ends), and is killed once the step ends normally.
 */
const watchedShell = [
  'exec 3<&0',
  '(trap "" TERM; read -r _ <&3; kill -TERM 0; sleep 2; kill -KILL 0) >/dev/null 2>&1 &',
  'sh -c "$1" </dev/null',
  'status=$?',
  'kill -KILL $! 2>/dev/null',
  'exit $status',
].join('\n');

/**
 * Runs `sh -c command` in its own process group, so a timeout or cancellation kills what the
 * command started too (`python train.py` under the shell), not only the shell; and the group ends
 * when this process does.
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
    const child = spawn('sh', ['-c', watchedShell, 'mloop-step', command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Written to never; closed when the step ends, which lets its watcher reap any straggler.
    child.stdin.on('error', () => undefined);
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
      child.stdin.destroy();
      if (timer) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal, timedOut, cancelled });
    });
  });
}
