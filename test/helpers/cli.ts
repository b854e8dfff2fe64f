import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build`), run as users run it. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `mloop` in `cwd` on the embedded store at `home` (default: `cwd`), never a server
 * from the caller's MLOOP_URL. Resolves with the exit code instead of throwing on a non-zero one.
 */
export function runMloop(
  cwd: string,
  args: string[],
  options: { home?: string; timeoutMs?: number; unset?: string[] } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, MLOOP_HOME: options.home ?? cwd };
  for (const name of ['MLOOP_URL', ...(options.unset ?? [])]) delete env[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env, timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
