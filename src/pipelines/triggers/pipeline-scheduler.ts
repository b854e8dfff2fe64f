import type { BackgroundDuties, PeriodicDuty } from '../../core/background.js';
import type { Clock } from '../../core/clock.js';
import type { DomainEvents, EventBus } from '../../core/events.js';
import type { PipelineService } from '../pipeline-service.js';
import type { StoredPipeline } from '../pipeline-store.js';
import type { RunHandle } from '../runner.js';
import { defaultPipelineLeaseMs } from '../run-leases.js';
import type { PipelineTriggers, Trigger } from '../types.js';
import { cronOf, type CronSchedule } from './cron.js';

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Starts pipeline runs from their triggers: cron schedules (checked on each tick against the
 * injected clock), new dataset versions and monitoring alerts (from the event bus). Each run
 * records the trigger that started it.
 */
export class PipelineScheduler {
  private lastTick: number;
  private readonly unsubscribe: (() => void)[] = [];
  private cron: PeriodicDuty | undefined;
  private leaseCheck: PeriodicDuty | undefined;
  private launching: Promise<void> = Promise.resolve();
  /** Runs this scheduler started, so tests and shutdown can wait for them. */
  readonly started: RunHandle[] = [];

  constructor(
    private readonly pipelines: PipelineService,
    private readonly deps: {
      clock: Clock;
      events: EventBus;
      /** Runs the ticks and event handlers: a failed store call is logged, counted and retried. */
      duties: BackgroundDuties;
      log?: SchedulerLog;
    },
  ) {
    this.lastTick = deps.clock.now();
  }

  /**
   * Subscribes to events and checks cron schedules every `intervalMs` (default 15 s). Fails the
   * runs whose process stopped heartbeating now and every sixth of the lease (`leaseMs`), so such
   * a run ends at most 7/6 of the lease after its last heartbeat. Every server checks (no leader
   * to wait for): each expired run is failed once, by whichever gets there first.
   */
  start(intervalMs = 15_000, leaseMs = defaultPipelineLeaseMs): this {
    const { events, duties } = this.deps;
    this.leaseCheck = duties.every('pipeline-run-leases', Math.max(1, Math.floor(leaseMs / 6)), () =>
      this.pipelines.recoverExpired(),
    );
    void this.leaseCheck.tick();
    this.unsubscribe.push(
      events.on(
        'data.version-added',
        (e) => void duties.run('dataset-triggers', () => this.onDatasetVersion(e)),
      ),
    );
    this.unsubscribe.push(
      events.on('monitoring.alert', (e) => void duties.run('alert-triggers', () => this.onAlert(e))),
    );
    this.cron = duties.every('cron-triggers', intervalMs, () => this.tick(), {
      once: true,
      // Another server fires these minutes; were it to stop, this one goes on from here.
      follow: () => {
        this.lastTick = this.deps.clock.now();
      },
    });
    return this;
  }

  /**
   * Stops triggering and waits for the runs it started to finish, for at most `graceMs` (default
   * 20 s, inside the 30 s a container orchestrator usually allows). Returns the ids of runs still
   * going then: their steps end with the process, and the runs are left for another server.
   */
  async stop(graceMs = 20_000): Promise<string[]> {
    await this.cron?.stop();
    await this.leaseCheck?.stop();
    for (const off of this.unsubscribe.splice(0)) off();
    const going = new Set(this.started.map((h) => h.id));
    const finished = Promise.allSettled(this.started.map((h) => h.done.finally(() => going.delete(h.id))));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([finished, deadline]);
    clearTimeout(timer);
    if (going.size > 0)
      this.deps.log?.error({ runs: [...going], graceMs }, 'runs still going after the shutdown grace period');
    return [...going];
  }

  /** Starts a run for each cron schedule with a matching minute since the previous tick (once, however many were missed). */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const since = this.lastTick;
    const pipelines = await this.pipelines.list();
    // Moved only once the pipelines are read: a tick that failed is retried over the same minutes.
    this.lastTick = now;
    for (const pipeline of pipelines) {
      for (const trigger of triggersOf(pipeline).cron ?? []) {
        // The previous tick covered minutes up to `since`; this one covers (since, now].
        let schedule: CronSchedule;
        try {
          schedule = cronOf(trigger);
        } catch (error) {
          // Stored before today's checks (or by an older version): skip it, keep the others running.
          this.deps.log?.error({ pipeline: pipeline.name, trigger, err: error }, 'invalid cron trigger');
          continue;
        }
        const next = schedule.nextAfter(since);
        if (next === undefined || next > now) continue;
        await this.launch(pipeline.name, {
          kind: 'cron',
          detail: {
            schedule: schedule.expression,
            ...(typeof trigger === 'string' ? {} : { timezone: schedule.timezone }),
            scheduledTime: new Date(next).toISOString(),
          },
        });
      }
    }
  }

  private async onDatasetVersion(event: DomainEvents['data.version-added']): Promise<void> {
    for (const pipeline of await this.pipelines.list()) {
      if (triggersOf(pipeline).datasets?.includes(event.name)) {
        await this.launch(pipeline.name, { kind: 'dataset', detail: { ...event } });
      }
    }
  }

  private async onAlert(event: DomainEvents['monitoring.alert']): Promise<void> {
    for (const pipeline of await this.pipelines.list()) {
      const wanted = triggersOf(pipeline).alerts ?? [];
      if (
        wanted.some(
          (w) =>
            (w.rule === undefined || w.rule === event.rule) &&
            (w.model === undefined || w.model === event.model),
        )
      ) {
        await this.launch(pipeline.name, { kind: 'alert', detail: { ...event } });
      }
    }
  }

  /**
   * A trigger does not start a pipeline that a live process is running: a burst of alerts (or a
   * slow cron job) gives one retraining, not one per event, while a run whose server died no
   * longer counts. Launches are serialised, in this process and across servers, so two events
   * arriving together cannot both see "not running". A launch the store failed is a background
   * duty: logged, counted and retried with backoff, not lost (a retry finding the run it had
   * started before the error live skips). Resolves once launched, skipped or given up.
   */
  private launch(name: string, trigger: Trigger): Promise<void> {
    return this.deps.duties.run('pipeline-launch', () => this.launchOnce(name, trigger));
  }

  private launchOnce(name: string, trigger: Trigger): Promise<void> {
    const next = this.launching
      .catch(() => undefined)
      .then(async () => {
        // Other servers on the database get the same alert or dataset event: one of them checks
        // and starts at a time, the others (finding it launching or running) skip.
        const launched = await this.deps.duties.exclusively(`pipeline-launch:${name}`, () =>
          this.launchUnlessRunning(name, trigger),
        );
        if (!launched)
          this.deps.log?.info(
            { pipeline: name, trigger: trigger.kind },
            'pipeline being started by another server; trigger skipped',
          );
      });
    this.launching = next;
    return next;
  }

  private async launchUnlessRunning(name: string, trigger: Trigger): Promise<void> {
    const running = await this.pipelines.liveRun(name);
    if (running) {
      this.deps.log?.info(
        { pipeline: name, running: running.id, trigger: trigger.kind },
        'pipeline already running; trigger skipped',
      );
      return;
    }
    const handle = await this.pipelines.start(name, { trigger });
    this.started.push(handle);
    this.deps.log?.info({ pipeline: name, run: handle.id, trigger: trigger.kind }, 'pipeline run triggered');
  }
}

export function triggersOf(pipeline: StoredPipeline): PipelineTriggers {
  return (pipeline.definition as { triggers?: PipelineTriggers }).triggers ?? {};
}
