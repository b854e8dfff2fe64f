import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MloopError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hashing.js';
import type { Logger } from '../../core/logging.js';

const run = promisify(execFile);

/**
 * How a model's Python environment is made, as MLflow's `--env-manager` names it: `local` runs
 * the configured interpreter as it is; `virtualenv` builds, once per requirements, a virtual
 * environment from the model's own `requirements.txt`.
 */
export type PythonEnvManager = 'local' | 'virtualenv';

/** What `models show` and a refused request say of a model's environment. */
export type EnvironmentState =
  | { state: 'ready'; python: string }
  | { state: 'building'; since: number }
  | { state: 'failed'; error: string };

/** Marker written last into a finished environment. */
const readyMarker = '.mloop-ready';

/**
 * The interpreters models run in. With `virtualenv`, an environment is keyed by the sha256 of the
 * base interpreter and the model's requirements, kept under `<home>/python-envs/`, and built in
 * the background: a request for a model whose environment is still being built gets a 503 at
 * once rather than waiting minutes for pip.
 *
 * The environment is layered on the configured interpreter (a `.pth` file puts its
 * site-packages after the environment's own), so requirements it already satisfies (mlflow,
 * numpy, pandas…) are not downloaded again, and pip installs only what differs: a pinned
 * version the base lacks shadows the base's. `--system-site-packages` would not do: it reaches
 * the base installation's packages, not those of a virtualenv the interpreter may itself be.
 */
export class PythonEnvironments {
  private readonly building = new Map<string, { since: number; done: Promise<void> }>();
  private readonly failed = new Map<string, string>();

  constructor(
    private readonly options: {
      python: string;
      manager: PythonEnvManager;
      home: string;
      logger?: Logger | undefined;
    },
  ) {}

  /** Where a model's environment stands now; starts building it when it is not started. */
  async state(modelDir: string, label: string): Promise<EnvironmentState> {
    if (this.options.manager === 'local') return { state: 'ready', python: this.options.python };
    const requirements = await readRequirementsText(modelDir);
    const key = sha256Hex(`${this.options.python}\n${requirements}`).slice(0, 16);
    const dir = join(this.options.home, 'python-envs', key);
    const python = join(dir, 'bin', 'python');
    if (existsSync(join(dir, readyMarker))) return { state: 'ready', python };
    const error = this.failed.get(key);
    if (error !== undefined) return { state: 'failed', error };
    let build = this.building.get(key);
    if (!build) {
      const since = Date.now();
      const done = this.build(dir, requirements, label).then(
        () => {
          this.building.delete(key);
        },
        (e: Error) => {
          this.building.delete(key);
          this.failed.set(key, e.message);
          this.options.logger?.error({ model: label, err: e }, 'Python environment could not be built');
        },
      );
      build = { since, done };
      this.building.set(key, build);
    }
    return { state: 'building', since: build.since };
  }

  /**
   * The interpreter to run a model in, or the error a request gets: 503 while its environment is
   * being built, INVALID_STATE naming the package when it could not be.
   */
  async interpreter(modelDir: string, label: string): Promise<string> {
    const env = await this.state(modelDir, label);
    if (env.state === 'ready') return env.python;
    if (env.state === 'failed')
      throw new MloopError('INVALID_STATE', `${label} cannot be served: ${env.error}`);
    throw new MloopError(
      'TEMPORARILY_UNAVAILABLE',
      `the Python environment of ${label} is being built (for ${Math.round((Date.now() - env.since) / 1000)} s); retry shortly`,
    );
  }

  /** Waits for every build under way; for tests and shutdown. */
  async settled(): Promise<void> {
    await Promise.all([...this.building.values()].map((b) => b.done));
  }

  private async build(dir: string, requirements: string, label: string): Promise<void> {
    const staging = `${dir}.${process.pid}.building`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(join(this.options.home, 'python-envs'), { recursive: true });
    this.options.logger?.info({ model: label, dir }, 'building the Python environment');
    await run(this.options.python, ['-m', 'venv', '--without-pip', staging]);
    const python = join(staging, 'bin', 'python');
    // The base interpreter's package directories, after the environment's own.
    const { stdout: basePaths } = await run(this.options.python, [
      '-c',
      'import site, sys; print("\\n".join(p for p in sys.path if p.endswith("-packages")))',
    ]);
    const { stdout: own } = await run(python, ['-c', 'import site; print(site.getsitepackages()[0])']);
    await writeFile(join(own.trim(), 'mloop-base.pth'), basePaths);
    if (requirements.trim() !== '') {
      const file = join(staging, 'requirements.txt');
      await writeFile(file, requirements);
      try {
        await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', file], {
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        throw new Error(pipFailure(error as Error & { stderr?: string }));
      }
    }
    await writeFile(join(staging, readyMarker), `${new Date().toISOString()}\n`);
    try {
      await rename(staging, dir);
    } catch {
      // Another process finished the same environment first: theirs is the same.
      await rm(staging, { recursive: true, force: true });
    }
    this.options.logger?.info({ model: label, dir }, 'Python environment ready');
  }
}

/** The model's requirements: `requirements.txt`, which MLflow writes beside `python_env.yaml`. */
async function readRequirementsText(modelDir: string): Promise<string> {
  try {
    return await readFile(join(modelDir, 'requirements.txt'), 'utf8');
  } catch {
    return '';
  }
}

/** pip's failure, naming the requirement it could not install. */
export function pipFailure(error: Error & { stderr?: string }): string {
  const stderr = error.stderr ?? error.message;
  const missing =
    /No matching distribution found for ([^\s]+)/.exec(stderr) ??
    /Could not find a version that satisfies the requirement ([^\s]+)/.exec(stderr);
  if (missing?.[1])
    return `pip cannot install ${missing[1]}: no such package or version on the package index`;
  const lastError = stderr
    .split('\n')
    .filter((l) => l.startsWith('ERROR:'))
    .pop();
  return `pip could not install the model's requirements: ${lastError ?? stderr.trim().split('\n').pop() ?? 'unknown error'}`;
}
