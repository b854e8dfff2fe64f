import { spawn } from 'node:child_process';

/** Quotes a value for `sh -c`, so interpolated paths and params cannot break out of their word. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const placeholder = /\$\{(inputs|outputs|params)\.([A-Za-z0-9_-]+)\}/g;

/** The params a command names as `${params.x}`, in order of first use. */
export function commandParams(command: string): string[] {
  const names = [...command.matchAll(placeholder)].filter((m) => m[1] === 'params').map((m) => m[2]!);
  return [...new Set(names)];
}

/** Replaces `${inputs.x}`, `${outputs.x}` and `${params.x}`; an unknown name is an error naming it. */
export function interpolateCommand(
  command: string,
  scopes: Record<'inputs' | 'outputs' | 'params', Record<string, unknown>>,
): string {
  return command.replace(placeholder, (_m, scope: keyof typeof scopes, name: string) => {
    const value = scopes[scope][name];
    if (value === undefined)
      throw new Error(`the command refers to \${${scope}.${name}}, which this step does not have`);
    return shellQuote(typeof value === 'string' ? value : JSON.stringify(value));
  });
}

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
