import { Counter, Gauge, type Registry } from 'prom-client';

export interface BackgroundLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface RetryOptions {
  /** Attempts after the first failure before the work is given up until its next turn (default 5). */
  retries?: number;
  /** Wait before the first retry, doubled after each further failure (default 500 ms). */
  baseDelayMs?: number;
  /** Longest wait between two attempts (default 30 s). */
  maxDelayMs?: number;
}

/**
 * Who runs a duty that must happen once across processes (alert evaluation, cron, rollout
 * judging): the store elects one leader per duty (see store/leader-election.ts).
 */
export interface Leadership {
  /** Takes or renews this process's lease on `duty`; true when this process is its leader. */
  holds(duty: string): Promise<boolean>;
  /** Renews the leases this process holds (its heartbeat). */
  renew(): Promise<void>;
  /** Gives up every lease held, so another process takes over at once. */
  release(): Promise<void>;
  /**
   * Runs `work` holding `name` alone among the processes on the database, then lets it go; false,
   * without running it, when another process holds `name` (is doing that work right now).
   */
  exclusively(name: string, work: () => Promise<void>): Promise<boolean>;
  readonly renewEveryMs: number;
}

/** A duty run on an interval: `tick()` runs it now (tests), `stop()` ends it and waits for the running turn. */
export interface PeriodicDuty {
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the server's background duties (schedulers, tickers, event handlers, flushes) so that a
 * failure of one, a database that is briefly away say, is logged, counted in
 * `mloop_background_errors_total{duty}` and retried with exponential backoff, instead of becoming
 * an unhandled rejection that ends the process. Nothing it runs ever rejects.
 */
export class BackgroundDuties {
  readonly errors: Counter<'duty'>;
  private readonly pending = new Set<Promise<void>>();
  private readonly waits = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private stopped = false;
  private heartbeat: PeriodicDuty | undefined;
  /** Which `once` duties this process leads, so an operator (or a test) sees which replica to look at. */
  private readonly leading: Gauge;

  constructor(
    registry: Registry,
    private readonly log?: BackgroundLog,
    private readonly retry: RetryOptions = {},
    /** Elects the process that runs each `once` duty; without it every process runs them (one process). */
    private readonly leadership?: Leadership,
  ) {
    this.errors = new Counter({
      name: 'mloop_background_errors_total',
      help: 'Failures of background duties (alert evaluation, pipeline triggers, rollouts, the prediction log...), each attempt counted',
      labelNames: ['duty'],
      registers: [registry],
    });
    this.leading = new Gauge({
      name: 'mloop_duty_leader',
      help: 'Whether this process leads a duty run once across the servers of one database (1) or follows (0), as of its last turn',
      labelNames: ['duty'],
      registers: [registry],
    });
  }

  /** Counts and logs a failure that reached no duty (an unhandled rejection, say). */
  record(duty: string, error: unknown): void {
    this.errors.inc({ duty });
    this.log?.error({ duty, err: error }, `background duty ${duty} failed`);
  }

  /**
   * Runs `work` now, retrying failures with exponential backoff; resolves when it succeeded or
   * was given up (never rejects). Retries stop when the duties are stopped.
   */
  run(duty: string, work: () => Promise<unknown>, options: RetryOptions = {}): Promise<void> {
    const done = this.attempt(duty, work, { ...this.retry, ...options });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }

  /**
   * Runs `work` every `intervalMs` through `run`, one turn at a time: a turn still running (or
   * retrying, with waits capped at the interval) when the next is due takes that turn's place.
   * With `once`, a turn runs only on the process elected leader of `duty` among those sharing the
   * database, so a cron pipeline or an alert rule fires once however many servers run.
   */
  every(
    duty: string,
    intervalMs: number,
    work: () => Promise<unknown>,
    options: {
      once?: boolean;
      /** Called on each turn this process is not the leader (a cron keeps its place in time). */
      follow?: () => void;
    } = {},
  ): PeriodicDuty {
    const leadership = options.once ? this.leadership : undefined;
    if (leadership) this.startHeartbeat(leadership);
    const turn = leadership
      ? async () => {
          const leads = await leadership.holds(duty);
          this.leading.set({ duty }, leads ? 1 : 0);
          if (leads) await work();
          else options.follow?.();
        }
      : work;
    let running: Promise<void> | undefined;
    const tick = (): Promise<void> => {
      running ??= this.run(duty, turn, {
        maxDelayMs: Math.min(intervalMs, this.retry.maxDelayMs ?? 30_000),
      }).finally(() => {
        running = undefined;
      });
      return running;
    };
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return {
      tick,
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  }

  /**
   * Runs `work` unless another process on the database is running work of the same `name` (then
   * answers false): a check-then-act across servers, such as "start this pipeline unless it runs".
   * With one process, `work` simply runs.
   */
  async exclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    if (!this.leadership) {
      await work();
      return true;
    }
    return this.leadership.exclusively(name, work);
  }

  /**
   * Ends every pending retry wait, waits for the duties' running attempts and gives up the leases
   * held, so another process takes over the `once` duties at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wait of this.waits) {
      clearTimeout(wait.timer);
      wait.wake();
    }
    await this.heartbeat?.stop();
    await Promise.allSettled([...this.pending]);
    await this.leadership?.release().catch((error: unknown) => this.record('lease-release', error));
  }

  private startHeartbeat(leadership: Leadership): void {
    this.heartbeat ??= this.every('lease-heartbeat', leadership.renewEveryMs, () => leadership.renew());
  }

  private async attempt(duty: string, work: () => Promise<unknown>, options: RetryOptions): Promise<void> {
    const retries = options.retries ?? 5;
    let delay = options.baseDelayMs ?? 500;
    for (let failures = 0; ; failures++) {
      try {
        await work();
        return;
      } catch (error) {
        this.errors.inc({ duty });
        const last = failures >= retries || this.stopped;
        this.log?.[last ? 'error' : 'warn'](
          { duty, err: error, attempt: failures + 1 },
          last
            ? `background duty ${duty} failed; giving up until its next turn`
            : `background duty ${duty} failed; retrying`,
        );
        if (last) return;
      }
      await this.sleep(Math.min(delay, options.maxDelayMs ?? 30_000));
      delay *= 2;
      if (this.stopped) return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          this.waits.delete(wait);
          resolve();
        }, ms),
        wake: resolve,
      };
      wait.timer.unref();
      this.waits.add(wait);
    });
  }
}

/**
 * Makes an unhandled rejection in this process a logged, counted error (duty `unhandled`) rather
 * than a crash: a server keeps answering when some forgotten promise fails. Returns the remover.
 */
export function guardUnhandledRejections(duties: BackgroundDuties): () => void {
  const onRejection = (reason: unknown) => duties.record('unhandled', reason);
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
