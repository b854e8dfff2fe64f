import { spawn } from 'node:child_process';
import { conversionScript } from './conversion-script.js';

/** What the script answers on its last line: a result, or why it refused. */
export type ScriptAnswer =
  { ok: true; [key: string]: unknown } | { ok: false; reason: string; report?: unknown };

/**
 * Runs the conversion script's `command` with `python`, killed after `timeoutMs`. A Python that
 * is missing, crashes or runs too long answers `{ok: false}` with the reason, like a refusal.
 */
export function runConversionScript(
  python: string,
  args: string[],
  timeoutMs: number,
): Promise<ScriptAnswer> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', conversionScript, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Libraries stay quiet and single-threaded: the server's cores serve requests meanwhile.
      env: { ...process.env, PYTHONUNBUFFERED: '1', OMP_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the end says what went wrong; keep memory bounded for chatty libraries.
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        reason:
          error.code === 'ENOENT'
            ? `no Python interpreter "${python}": set MLOOP_PYTHON to a Python with mlflow, scikit-learn, skl2onnx and onnxruntime`
            : `Python "${python}" could not start: ${error.message}`,
      });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (timedOut)
        return resolve({
          ok: false,
          reason: `the conversion took longer than ${timeoutMs / 1000} s and was stopped`,
        });
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const answer = JSON.parse(last) as ScriptAnswer;
        if (typeof answer === 'object' && answer !== null && typeof answer.ok === 'boolean')
          return resolve(answer);
      } catch {
        // falls through: the process died before answering
      }
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolve({
        ok: false,
        reason: `the conversion in Python failed (exit code ${code}): ${tail || 'no output'}`,
      });
    });
  });
}
