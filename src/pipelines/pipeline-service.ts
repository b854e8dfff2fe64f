import { hostname } from 'node:os';
import { actingAs, currentActor } from '../core/acting-as.js';
import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import type { ArtifactService } from '../tracking/artifacts.js';
import type { RunService } from '../tracking/runs.js';
import { loadPipeline } from './load-source.js';
import type { PipelineStore, StoredPipeline } from './pipeline-store.js';
import type { PipelineRunner, RunHandle, StartOptions } from './runner.js';
import type { PipelineDefinition, PipelineRun, PipelineSource } from './types.js';
import { processExists } from '../core/process-exists.js';

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

  async rerun(runId: string, options: { noCache?: boolean } = {}): Promise<RunHandle> {
    const run = await this.store.runRow(runId);
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
   * Marks runs left RUNNING by a process of this machine that no longer exists as FAILED, so a
   * crash never leaves a run that looks alive; `mloop pipelines rerun` resumes them.
   */
  async recoverOrphans(): Promise<string[]> {
    const recovered: string[] = [];
    for (const row of await this.store.runsWithStatus('RUNNING')) {
      if (row.owner_host !== hostname() || row.owner_pid === null || processAlive(row.owner_pid)) continue;
      const error = `the process running it (pid ${row.owner_pid}) stopped before it finished`;
      await this.store.failStepRuns(row.id, 'RUNNING', error);
      await this.store.updateRun(row.id, { status: 'FAILED', error, end_time: this.deps.clock.now() });
      if (row.tracking_run_id)
        await this.deps.runs
          .update(row.tracking_run_id, { status: 'FAILED', endTime: this.deps.clock.now() })
          .catch(() => undefined);
      recovered.push(row.id);
    }
    return recovered;
  }
}

function processAlive(pid: number): boolean {
  return pid === process.pid || processExists(pid);
}
