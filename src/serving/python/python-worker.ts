import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { MloopError } from '../../core/errors.js';
import type { Logger } from '../../core/logging.js';
import type { FeatureType } from '../../registry/model-metadata.js';
import { encodeFrame, FrameReader } from './worker-protocol.js';
import { workerScript } from './worker-script.js';

/** What a worker says once its model is loaded. */
export interface WorkerReady {
  inputs: Array<{ name: string; type: FeatureType; optional: boolean }>;
  task: 'classification' | 'regression';
  /** A scikit-learn classifier's classes, in its probability-column order. */
  classes: Array<string | number> | null;
  flavors: string[];
  python: string;
}

/** A batch's answer: one prediction per record, and probabilities when the model gives them. */
export interface WorkerAnswer {
  predictions: Array<string | number | boolean | null>;
  probabilities?: number[][];
}

export interface PythonWorkerOptions {
  /** The interpreter (of the model's environment). */
  python: string;
  /** Local directory of the MLflow model. */
  modelDir: string;
  /** What the model is, for messages: `NAME/VERSION`. */
  label: string;
  logger?: Logger | undefined;
  /** Told once when the process ends, whatever the reason. */
  onExit: (worker: PythonWorker, why: string) => void;
}

/** Lines of stderr kept to explain a failed start. */
const stderrLines = 20;

/**
 * One Python process serving one model, scoring one batch at a time. When the process dies the
 * batch it was scoring fails with 503 (TEMPORARILY_UNAVAILABLE) at once: a caller never waits on
 * a process that is gone.
 */
export class PythonWorker {
  readonly ready: Promise<WorkerReady>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly reader = new FrameReader();
  private inFlight:
    { id: number; resolve: (a: WorkerAnswer) => void; reject: (e: Error) => void } | undefined;
  private nextId = 1;
  private exited = false;
  private stopping = false;
  private stderr: string[] = [];
  private settleReady!: { resolve: (r: WorkerReady) => void; reject: (e: Error) => void };

  constructor(private readonly options: PythonWorkerOptions) {
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => undefined);
    this.child = spawn(options.python, ['-c', workerScript, options.modelDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Unbuffered stderr so a crash's last words are not lost; no stray .pyc next to the model.
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      this.stderr.push(...lines);
      this.stderr.splice(0, Math.max(0, this.stderr.length - stderrLines));
      for (const line of lines) options.logger?.debug({ model: options.label, pid: this.pid }, line);
    });
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (error) => this.exit(`could not start ${options.python}: ${error.message}`));
    this.child.once('close', (code, signal) =>
      this.exit(signal ? `killed by ${signal}` : `exited with code ${String(code)}`),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Scores one batch of columns (feature name → values); one batch at a time. */
  score(columns: Record<string, unknown[]>): Promise<WorkerAnswer> {
    if (this.exited) return Promise.reject(this.gone('is not running'));
    if (this.inFlight) return Promise.reject(new MloopError('INTERNAL_ERROR', 'Python worker is busy'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.inFlight = { id, resolve, reject };
      this.child.stdin.write(encodeFrame({ id, columns }));
    });
  }

  /** Ends the process (its batch, if any, fails with 503). */
  stop(): void {
    this.stopping = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private receive(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.options.logger?.error({ err: error, model: this.options.label }, 'Python worker sent a bad frame');
      this.stop();
      return;
    }
    for (const message of messages) this.handle(message as Record<string, unknown>);
  }

  private handle(message: Record<string, unknown>): void {
    if ('ready' in message) return this.settleReady.resolve(message.ready as WorkerReady);
    if ('fatal' in message) {
      this.settleReady.reject(
        new MloopError(
          'INVALID_STATE',
          `${this.options.label} cannot be loaded in Python: ${String(message.fatal)}`,
        ),
      );
      return;
    }
    const pending = this.inFlight;
    if (!pending || message.id !== pending.id) return;
    this.inFlight = undefined;
    if (typeof message.error === 'string') {
      pending.reject(
        new MloopError('INTERNAL_ERROR', `${this.options.label} failed to predict: ${message.error}`),
      );
    } else {
      pending.resolve(message as unknown as WorkerAnswer);
    }
  }

  private exit(why: string): void {
    if (this.exited) return;
    this.exited = true;
    const detail = this.stderr.length > 0 ? `: ${this.stderr.slice(-5).join(' | ')}` : '';
    this.settleReady.reject(
      new MloopError(
        'INVALID_STATE',
        `${this.options.label} cannot be loaded in Python: the worker ${why}${detail}`,
      ),
    );
    const pending = this.inFlight;
    this.inFlight = undefined;
    pending?.reject(this.gone(`${why} while scoring; retry`));
    if (!this.stopping)
      this.options.logger?.warn({ model: this.options.label, pid: this.pid, why }, 'Python worker ended');
    this.options.onExit(this, why);
  }

  private gone(what: string): MloopError {
    return new MloopError(
      'TEMPORARILY_UNAVAILABLE',
      `the Python worker serving ${this.options.label} ${what}`,
    );
  }
}
