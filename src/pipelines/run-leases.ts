import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { StepLeases } from './executors/step-worker.js';
import type { PipelineRunRow, PipelineTables } from './tables.js';

/** How long a pipeline run outlives its owner's last heartbeat by default (ms). */
export const defaultPipelineLeaseMs = 60_000;

/**
 * The leases pipeline runs and steps hold in the store: the owner (one id per server, CLI or
 * worker process) and an expiry it pushes forward on a heartbeat. Each change is one conditional
 * update, so of two processes racing (two servers failing one expired run, a rerun and a
 * takeover) exactly one wins, on SQLite and PostgreSQL alike. No policy here: the runner and the
 * service decide what an expired lease means.
 */
export class RunLeases {
  constructor(
    private readonly db: Kysely<PipelineTables>,
    private readonly clock: Clock,
    /** How long a lease lasts from its last renewal. */
    readonly ttlMs: number = defaultPipelineLeaseMs,
  ) {}

  /** The expiry a lease taken or renewed now gets. */
  expiry(): number {
    return this.clock.now() + this.ttlMs;
  }

  /**
   * Extends `owner`'s lease on a RUNNING run, and on its RUNNING steps it runs itself (a worker
   * renews its own); false when the run is no longer `owner`'s (failed as expired, abandoned).
   */
  async renew(runId: string, owner: string): Promise<boolean> {
    const expiresAt = this.expiry();
    const result = await this.db
      .updateTable('pipeline_runs')
      .set({ lease_expires_at: expiresAt })
      .where('id', '=', runId)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await this.db
      .updateTable('step_runs')
      .set({ lease_expires_at: expiresAt })
      .where('pipeline_run_id', '=', runId)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'RUNNING')
      .execute();
    return true;
  }

  /** Makes a FAILED or CANCELLED run RUNNING under `owner`; false when it is not (any more) either. */
  async claimStopped(runId: string, owner: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pipeline_runs')
      .set({
        status: 'RUNNING',
        error: null,
        end_time: null,
        cancel_requested: 0,
        lease_owner: owner,
        lease_expires_at: this.expiry(),
      })
      .where('id', '=', runId)
      .where('status', 'in', ['FAILED', 'CANCELLED'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Writes a run's end while `owner` still holds it; false (nothing written) when it does not. */
  async finish(
    runId: string,
    owner: string,
    end: Pick<PipelineRunRow, 'status' | 'error'>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('pipeline_runs')
      .set({ ...end, end_time: this.clock.now(), lease_owner: null, lease_expires_at: null })
      .where('id', '=', runId)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** RUNNING runs whose lease has passed (or that never had one: left by a version before leases). */
  async expired(): Promise<PipelineRunRow[]> {
    const now = this.clock.now();
    return this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('status', '=', 'RUNNING')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
      .execute();
  }

  /**
   * Fails a RUNNING run with `error`: only once its lease has passed with `onlyExpired`, whoever
   * holds it otherwise (abandon). Its RUNNING steps fail with it; `rerun` resumes from them.
   * False when the run was not RUNNING (or, with `onlyExpired`, its owner renewed in time).
   */
  async fail(runId: string, error: string, options: { onlyExpired: boolean }): Promise<boolean> {
    const now = this.clock.now();
    let update = this.db
      .updateTable('pipeline_runs')
      .set({ status: 'FAILED', error, end_time: now, lease_owner: null, lease_expires_at: null })
      .where('id', '=', runId)
      .where('status', '=', 'RUNNING');
    if (options.onlyExpired)
      update = update.where((eb) =>
        eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]),
      );
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await this.db
      .updateTable('step_runs')
      .set({ status: 'FAILED', error, end_time: now, lease_owner: null, lease_expires_at: null })
      .where('pipeline_run_id', '=', runId)
      .where('status', '=', 'RUNNING')
      .execute();
    return true;
  }

  /** The run of `pipeline` some live process is driving (its lease unexpired), if any. */
  async liveRun(pipeline: string): Promise<PipelineRunRow | undefined> {
    return this.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('pipeline', '=', pipeline)
      .where('status', '=', 'RUNNING')
      .where('lease_expires_at', '>=', this.clock.now())
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * Takes a RUNNING step's lease for `owner` (a worker starting its attempt) while it is free,
   * expired, `owner`'s, or the run's owner's (which marked it RUNNING and sent it): 'taken'; 'held'
   * when another live worker runs it; 'unknown' when this store has no such running step (a runner
   * on another store shares the queue), so the worker runs it without a lease.
   */
  async claimStep(stepRunId: string, runId: string, owner: string): Promise<'taken' | 'held' | 'unknown'> {
    const now = this.clock.now();
    const result = await this.db
      .updateTable('step_runs')
      .set({ lease_owner: owner, lease_expires_at: now + this.ttlMs })
      .where('id', '=', stepRunId)
      .where('status', '=', 'RUNNING')
      .where((eb) =>
        eb.or([
          eb('lease_owner', 'is', null),
          eb('lease_owner', '=', owner),
          eb('lease_expires_at', 'is', null),
          eb('lease_expires_at', '<', now),
          eb(
            'lease_owner',
            '=',
            eb
              .selectFrom('pipeline_runs')
              .select('pipeline_runs.lease_owner')
              .where('pipeline_runs.id', '=', runId),
          ),
        ]),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return 'taken';
    const row = await this.db
      .selectFrom('step_runs')
      .select('status')
      .where('id', '=', stepRunId)
      .executeTakeFirst();
    return row?.status === 'RUNNING' ? 'held' : 'unknown';
  }

  /** Extends `owner`'s lease on a step it runs; false when the step is no longer its. */
  async renewStep(stepRunId: string, owner: string): Promise<boolean> {
    const result = await this.db
      .updateTable('step_runs')
      .set({ lease_expires_at: this.expiry() })
      .where('id', '=', stepRunId)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

/** The leases a `mloop worker` takes in the store on the step attempts it runs. */
export function workerStepLeases(leases: RunLeases): StepLeases {
  return {
    ttlMs: leases.ttlMs,
    claim: (task, owner) => leases.claimStep(task.stepRunId, task.pipelineRunId, owner),
    renew: (task, owner) => leases.renewStep(task.stepRunId, owner),
  };
}
