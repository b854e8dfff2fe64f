import { actingAs, currentActor } from '../core/acting-as.js';
import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import { MloopError, notFound } from '../core/errors.js';
import type { ArtifactService } from '../tracking/artifacts.js';
import type { RunService } from '../tracking/runs.js';
import { loadPipeline } from './load-source.js';
import type { PipelineStore, StoredPipeline } from './pipeline-store.js';
import type { PipelineRunRow } from './tables.js';
import type { PipelineRunner, RunHandle, StartOptions } from './runner.js';
import type { RunLeases } from './run-leases.js';
import type { PipelineDefinition, PipelineRun, PipelineSource } from './types.js';

/** A definition as JSON: step functions become their source text (for display and diffs). */
export function definitionToJson(definition: PipelineDefinition): unknown {
  return { ...definition, steps: definition.steps.map((s) => ({ ...s, run: s.run?.toString() })) };
}

/**
 * Pipelines by name: registered definitions, runs started from them (by hand or by a trigger),
 * their status, logs, cancellation and reruns. The API, CLI and scheduler all go through here.
 */
export class PipelineService {
  constructor(
    readonly store: PipelineStore,
    readonly runner: PipelineRunner,
    private readonly deps: {
      artifacts: ArtifactService;
      runs: RunService;
      clock: Clock;
      /** The leases of runs and steps: who drives each, until when. */
      leases: RunLeases;
      /** Where registrations and runs started are recorded, with who started them. */
      audit?: AuditTrail | undefined;
    },
  ) {}

  private get audit(): AuditTrail {
    return this.deps.audit ?? noAuditTrail;
  }

  async register(definition: PipelineDefinition, source: PipelineSource): Promise<StoredPipeline> {
    const stored = await this.store.savePipeline(definition.name, definitionToJson(definition), source);
    await this.audit.record({
      kind: 'pipeline',
      action: 'pipeline.register',
      objectKind: 'pipeline',
      objectId: definition.name,
      after: { source: source.kind },
    });
    return stored;
  }

  get(name: string): Promise<StoredPipeline> {
    return this.store.getPipeline(name);
  }

  list(): Promise<StoredPipeline[]> {
    return this.store.listPipelines();
  }

  async definitionOf(name: string): Promise<{ definition: PipelineDefinition; source: PipelineSource }> {
    const stored = await this.store.getPipeline(name);
    return { definition: await loadPipeline(stored.source), source: stored.source };
  }

  /** Starts a run of a registered pipeline. */
  async start(name: string, options: StartOptions = {}): Promise<RunHandle> {
    const { definition, source } = await this.definitionOf(name);
    const trigger = options.trigger?.kind ?? 'manual';
    return this.startAudited(name, trigger, () => this.runner.start(definition, source, options));
  }

  /**
   * Resumes a failed or cancelled run from its failed steps. A run still RUNNING whose process
   * stopped heartbeating is failed first, so it resumes without waiting for the next check.
   */
  async rerun(runId: string, options: { noCache?: boolean } = {}): Promise<RunHandle> {
    const run = await this.store.runRow(runId);
    if (run.status === 'RUNNING') await this.failExpired(run);
    const { definition, source } = await this.definitionOf(run.pipeline);
    return this.startAudited(run.pipeline, 'rerun', () =>
      this.runner.rerun(runId, definition, source, options),
    );
  }

  /**
   * Starts a run whose steps act as the pipeline (`pipeline:NAME`), naming the run, its trigger and
   * who started it in each change a step makes; the start itself is recorded for the caller.
   */
  private async startAudited(
    pipeline: string,
    trigger: string,
    start: () => Promise<RunHandle>,
  ): Promise<RunHandle> {
    const startedBy = currentActor()?.actor ?? 'system';
    const details: Record<string, unknown> = { trigger, startedBy };
    const handle = await actingAs({ actor: `pipeline:${pipeline}`, via: 'pipeline', details }, start);
    // The steps run on after start returns, reading this same object: they see the run's id.
    details.pipelineRun = handle.id;
    await this.audit.record({
      kind: 'pipeline',
      action: 'pipeline.run',
      objectKind: 'pipeline',
      objectId: pipeline,
      after: { run: handle.id, trigger },
    });
    return handle;
  }

  /** Waits for this process's runs to finish, at most `graceMs`; returns those still running. */
  drain(graceMs: number): Promise<string[]> {
    return this.runner.drain(graceMs);
  }

  async cancel(runId: string): Promise<void> {
    await this.runner.cancel(runId);
    await this.audit.record({
      kind: 'pipeline',
      action: 'pipeline.cancel',
      objectKind: 'pipeline-run',
      objectId: runId,
    });
  }

  /** A run with its steps in the DAG order of its pipeline's registered definition. */
  async getRun(runId: string): Promise<PipelineRun> {
    const row = await this.store.runRow(runId);
    const definition = await this.store.getPipeline(row.pipeline).then(
      (p) => p.definition as { steps?: { name: string }[] },
      () => ({ steps: [] }),
    );
    return this.store.getRun(
      runId,
      (definition.steps ?? []).map((s) => s.name),
    );
  }

  listRuns(pipeline?: string, limit = 50): Promise<PipelineRun[]> {
    return this.store.listRuns(pipeline, limit);
  }

  /** The log of a step's latest attempt. */
  async stepLog(runId: string, step: string): Promise<string> {
    const run = await this.store.getRun(runId);
    const stepRun = run.steps.find((s) => s.step === step);
    if (!stepRun) throw notFound(`pipeline run ${runId} has no step "${step}"`);
    if (!stepRun.logPath) return '';
    const file = await this.deps.artifacts.get(stepRun.logPath);
    const chunks: Buffer[] = [];
    for await (const chunk of file.stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * Fails the RUNNING runs whose process stopped heartbeating (crashed, killed, cut off from the
   * store) for longer than the lease, on whatever machine it ran: a crash never leaves a run that
   * looks alive or blocks its pipeline's triggers. `mloop pipelines rerun` resumes them. Any
   * server may call this; of several racing, one fails each run.
   */
  async recoverExpired(): Promise<string[]> {
    const recovered: string[] = [];
    for (const row of await this.deps.leases.expired())
      if (await this.failExpired(row)) recovered.push(row.id);
    return recovered;
  }

  /** The run of `pipeline` a live process is driving, if any (what triggers wait for). */
  async liveRun(pipeline: string): Promise<PipelineRun | undefined> {
    const row = await this.deps.leases.liveRun(pipeline);
    return row ? this.store.getRun(row.id) : undefined;
  }

  /**
   * Gives up on a RUNNING run without waiting for its process: the run and its running steps are
   * FAILED at once, resumable with `rerun`, and a process still driving it stops its steps at its
   * next heartbeat. For a run whose server is gone when waiting out the lease is too long.
   */
  async abandon(runId: string): Promise<PipelineRun> {
    const row = await this.store.runRow(runId);
    const by = currentActor()?.actor ?? 'system';
    if (!(await this.deps.leases.fail(runId, `abandoned by ${by}`, { onlyExpired: false })))
      throw new MloopError('INVALID_STATE', `pipeline run ${runId} is ${row.status}, not running`);
    await this.failTrackedRun(row.tracking_run_id);
    await this.audit.record({
      kind: 'pipeline',
      action: 'pipeline.abandon',
      objectKind: 'pipeline-run',
      objectId: runId,
    });
    return this.getRun(runId);
  }

  private async failExpired(row: PipelineRunRow): Promise<boolean> {
    const error =
      `the process running it (pid ${row.owner_pid ?? '?'} on ${row.owner_host ?? '?'}) stopped ` +
      `heartbeating before it finished; resume it with mloop pipelines rerun ${row.id}`;
    if (!(await this.deps.leases.fail(row.id, error, { onlyExpired: true }))) return false;
    await this.failTrackedRun(row.tracking_run_id);
    return true;
  }

  /** The run's tracked run ends FAILED too; best effort, the pipeline run's status is what counts. */
  private async failTrackedRun(trackingRunId: string | null): Promise<void> {
    if (trackingRunId)
      await this.deps.runs
        .update(trackingRunId, { status: 'FAILED', endTime: this.deps.clock.now() })
        .catch(() => undefined);
  }
}
