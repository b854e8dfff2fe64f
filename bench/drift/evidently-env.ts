import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REQUIREMENTS = fileURLToPath(new URL('./requirements-evidently.txt', import.meta.url));
/** Inside the git-, lint- and format-ignored .venv directory, beside the test venv's own files. */
const VENV = join(REPO_ROOT, '.venv', 'bench-evidently');

function log(message: string): void {
  console.error(`== ${message}`);
}

function usable(python: string): boolean {
  try {
    execFileSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The interpreter of a venv with Evidently (pinned in requirements-evidently.txt), made on first
 * use and re-installed when that file changes (its sha256 is stamped after a successful install).
 */
export function ensureEvidentlyPython(): string {
  const python = join(VENV, 'bin', 'python');
  if (!usable(python)) {
    log('creating the Evidently venv (.venv/bench-evidently)');
    rmSync(VENV, { recursive: true, force: true });
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  const stamp = join(VENV, '.requirements-sha256');
  const want = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== want) {
    log('installing Evidently and its pinned dependencies (bench/drift/requirements-evidently.txt)');
    execFileSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS], {
      stdio: 'inherit',
    });
    writeFileSync(stamp, `${want}\n`);
  } else {
    log('Evidently venv up to date');
  }
  return python;
}
