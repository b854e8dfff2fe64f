import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { getOrCreate, MloopError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { storePathOf } from '../tracking/artifacts.js';
import type { ExperimentService } from '../tracking/experiments.js';
import { gitSourceTags } from '../tracking/git-source.js';
import { datasetContextTag, parentRunTag, type RunService } from '../tracking/runs.js';
import type { Tag } from '../tracking/types.js';
import { stepCacheKey } from './cache-key.js';
import type { PipelineStore } from './pipeline-store.js';
import type { RunLeases } from './run-leases.js';
import type { StepExecutor } from './step-task.js';
import type { StepRunRow } from './tables.js';
import type {
  ParamValue,
  Params,
  PipelineDefinition,
  PipelineRun,
  PipelineSource,
  Step,
  StoredOutput,
  Trigger,
} from './types.js';

export const pipelineTag = 'mloop.pipeline';
export const cacheKeyTag = 'mloop.pipeline.cache_key';
/** The pipeline run (`prun_…`) a tracked run belongs to: its own run, each step's, and what a step tags with it. */
export const pipelineRunTag = 'mloop.pipeline.run';
export const cacheHitTag = 'mloop.pipeline.cache_hit';

export interface RunnerDeps {
  store: PipelineStore;
  experiments: ExperimentService;
  runs: RunService;
  clock: Clock;
  executor: StepExecutor;
  /** The leases runs and steps hold while this process drives them. */
  leases: RunLeases;
  /** This process's id as a lease owner (one per runner: a server, a CLI command). */
  owner?: string;
  /** How often a running pipeline checks for a cancel asked by another process (ms). */
  cancelPollMs?: number;
}

export interface StartOptions {
  /** Overrides of the declared params; strings take the type of the declared default. */
  params?: Record<string, unknown>;
  trigger?: Trigger;
  noCache?: boolean;
}

/** A started pipeline run: its id at once, its outcome when it ends. */
export interface RunHandle {
  id: string;
  done: Promise<PipelineRun>;
}

/**
 * Executes pipeline runs: ready steps in parallel up to the pipeline's concurrency, each behind
 * its cache key, with retries, timeouts and cancellation; every run and step a tracked run.
 */
export class PipelineRunner {
  private readonly active = new Map<string, AbortController>();
  /** Told when the last active run ends (shutdown drains). */
  private idle: (() => void)[] = [];
  /** Who holds the leases of the runs this runner drives. */
  readonly owner: string;

  constructor(private readonly deps: RunnerDeps) {
    this.owner = deps.owner ?? newId('proc');
  }

  async start(
    definition: PipelineDefinition,
    source: PipelineSource,
    options: StartOptions = {},
  ): Promise<RunHandle> {
    const params = resolveParams(definition, options.params ?? {});
    const trigger = options.trigger ?? { kind: 'manual', detail: {} };
    const { runs, clock, store, leases } = this.deps;
    const experimentId = await this.experimentFor(definition.name);
    // Read once per run (git is spawned for it): the parent run and every step carry them.
    const sourceTags = gitSourceTags(sourceDir(source));
    const parent = await runs.create({
      experimentId,
      runName: definition.name,
      tags: [
        { key: pipelineTag, value: definition.name },
        { key: 'mloop.pipeline.trigger', value: trigger.kind },
        ...sourceTags,
      ],
    });
    const runId = newId('prun');
    await runs.logBatch(parent.info.runId, {
      params: Object.keys(params).map((key) => trackedParam(definition, params, key)),
      tags: [{ key: pipelineRunTag, value: runId }],
    });
    await store.insertRun({
      id: runId,
      pipeline: definition.name,
      status: 'RUNNING',
      trigger: JSON.stringify(trigger),
      params: JSON.stringify(params),
      tracking_run_id: parent.info.runId,
      error: null,
      owner_host: hostname(),
      owner_pid: process.pid,
      cancel_requested: 0,
      start_time: clock.now(),
      end_time: null,
      lease_owner: this.owner,
      lease_expires_at: leases.expiry(),
    });
    for (const step of definition.steps)
      await store.upsertStepRun(pendingStep(runId, definition.name, step.name));
    return {
      id: runId,
      done: this.execute(runId, definition, source, params, options.noCache ?? false, sourceTags),
    };
  }

  /** Resumes a failed or cancelled run: succeeded steps keep their outputs, the others run again. */
  async rerun(
    runId: string,
    definition: PipelineDefinition,
    source: PipelineSource,
    options: { noCache?: boolean } = {},
  ): Promise<RunHandle> {
    const { store, runs, leases } = this.deps;
    const row = await store.runRow(runId);
    if (row.status === 'RUNNING')
      throw new MloopError(
        'INVALID_STATE',
        `pipeline run ${runId} is still running; cancel it first (or abandon it, if its server is gone)`,
      );
    if (row.status === 'SUCCEEDED')
      throw new MloopError('INVALID_STATE', `pipeline run ${runId} succeeded; start a new run instead`);
    // One conditional write: of two reruns (or servers) racing, one resumes the run.
    if (!(await leases.claimStopped(runId, this.owner)))
      throw new MloopError('INVALID_STATE', `pipeline run ${runId} was resumed by another request`);
    for (const step of await store.stepRunRows(runId)) {
      if (step.status !== 'SUCCEEDED')
        await store.upsertStepRun({
          ...step,
          status: 'PENDING',
          error: null,
          end_time: null,
          lease_owner: null,
          lease_expires_at: null,
        });
    }
    await store.updateRun(runId, { owner_host: hostname(), owner_pid: process.pid });
    if (row.tracking_run_id) await runs.update(row.tracking_run_id, { status: 'RUNNING' });
    const params = JSON.parse(row.params) as Params;
    return { id: runId, done: this.execute(runId, definition, source, params, options.noCache ?? false) };
  }

  /** Asks a run to stop: at once when it runs in this process, at its next poll otherwise. */
  async cancel(runId: string): Promise<void> {
    const row = await this.deps.store.runRow(runId);
    if (row.status !== 'RUNNING')
      throw new MloopError('INVALID_STATE', `pipeline run ${runId} is ${row.status}, not running`);
    await this.deps.store.updateRun(runId, { cancel_requested: 1 });
    this.active.get(runId)?.abort();
  }

  /**
   * Waits for the runs this process is executing to finish, at most `graceMs` (a shutdown's
   * drain); returns the ids of those still running then.
   */
  async drain(graceMs: number): Promise<string[]> {
    if (this.active.size > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle.push(() => (clearTimeout(timer), resolve()));
      });
    return [...this.active.keys()];
  }

  private async execute(
    runId: string,
    definition: PipelineDefinition,
    source: PipelineSource,
    params: Params,
    noCache: boolean,
    sourceTags?: Tag[],
  ): Promise<PipelineRun> {
    const { store, leases } = this.deps;
    const controller = new AbortController();
    this.active.set(runId, controller);
    // Lost when another process failed the run as expired (this one was cut off from the store
    // longer than the lease) or abandoned it, or when this one gave up on it: the steps stop and
    // nothing more is written.
    let lost = false;
    const poll = setInterval(() => {
      store.runRow(runId).then(
        (r) => r.cancel_requested === 1 && controller.abort(),
        () => undefined,
      );
    }, this.deps.cancelPollMs ?? 300);
    // A failed renewal (the store away) is retried at the next beat; the lease outlasts three.
    const heartbeat = setInterval(
      () => {
        leases.renew(runId, this.owner).then(
          (mine) => {
            if (mine) return;
            lost = true;
            controller.abort();
          },
          () => undefined,
        );
      },
      Math.max(1, Math.floor(leases.ttlMs / 3)),
    );
    const stopBeating = () => {
      clearInterval(poll);
      clearInterval(heartbeat);
      this.active.delete(runId);
      if (this.active.size === 0) for (const notify of this.idle.splice(0)) notify();
    };
    // Whatever fails from here (a store error mid-run), the heartbeat stops with it, so the lease
    // expires and another process fails the run resumably instead of it staying RUNNING.
    try {
      return await this.drive(
        { runId, definition, source, params, noCache, sourceTags },
        controller,
        () => lost,
      );
    } catch (error) {
      // Given up on (the store failed under it): the steps still going stop rather than run on
      // beside the resumed run, and write nothing; the lease runs out and another process fails it.
      lost = true;
      controller.abort();
      throw error;
    } finally {
      stopBeating();
    }
  }

  /** Runs the steps of a run this runner holds the lease of, and records how it ended. */
  private async drive(
    run: Omit<StepRunContext, 'parentRunId' | 'cwd' | 'sourceTags' | 'signal' | 'lost'> & {
      sourceTags: Tag[] | undefined;
    },
    controller: AbortController,
    lost: () => boolean,
  ): Promise<PipelineRun> {
    const { store, clock, runs, leases } = this.deps;
    const { runId, definition } = run;
    const rows = new Map((await store.stepRunRows(runId)).map((r) => [r.step, r]));
    const parentRunId = (await store.runRow(runId)).tracking_run_id!;
    // Every step runs the same code: where it lives and its commit are read once per run.
    const cwd = sourceDir(run.source);
    const context: StepRunContext = {
      ...run,
      parentRunId,
      cwd,
      sourceTags: run.sourceTags ?? gitSourceTags(cwd),
      signal: controller.signal,
      lost,
    };
    await schedule(
      definition,
      rows,
      (step) => this.runStep(step, rows, context),
      async (step, row) => {
        const skipped = {
          ...row,
          status: controller.signal.aborted ? 'CANCELLED' : 'SKIPPED',
          error: 'an upstream step did not succeed',
          end_time: clock.now(),
        };
        rows.set(step.name, skipped);
        if (!lost()) await store.upsertStepRun(skipped);
      },
    );
    const failed = definition.steps.map((s) => rows.get(s.name)!).find((r) => r.status === 'FAILED');
    const status = controller.signal.aborted ? 'CANCELLED' : failed ? 'FAILED' : 'SUCCEEDED';
    const error =
      status === 'CANCELLED'
        ? 'cancelled'
        : failed
          ? `step "${failed.step}" failed: ${failed.error ?? 'unknown error'}`
          : null;
    // Written only while this process still holds the run: one failed or abandoned elsewhere keeps that end.
    if (lost() || !(await leases.finish(runId, this.owner, { status, error })))
      return store.getRun(
        runId,
        definition.steps.map((s) => s.name),
      );
    await runs.update(parentRunId, {
      status: status === 'SUCCEEDED' ? 'FINISHED' : status === 'CANCELLED' ? 'KILLED' : 'FAILED',
      endTime: clock.now(),
    });
    return store.getRun(
      runId,
      definition.steps.map((s) => s.name),
    );
  }

  private async runStep(step: Step, rows: Map<string, StepRunRow>, run: StepRunContext): Promise<void> {
    const { store, clock, runs, executor } = this.deps;
    const row = rows.get(step.name)!;
    const inputs: Record<string, StoredOutput> = {};
    for (const [name, ref] of Object.entries(step.inputs)) {
      inputs[name] = (JSON.parse(rows.get(ref.step)!.outputs) as Record<string, StoredOutput>)[ref.output]!;
    }
    const { cwd } = run;
    const save = async (changes: Partial<StepRunRow>) => {
      Object.assign(row, changes);
      // A run taken from this process (failed as expired, abandoned) keeps what the taker wrote.
      if (!run.lost()) await store.upsertStepRun(row);
    };
    let cacheKey: string;
    try {
      cacheKey = await stepCacheKey(step, run.params, inputs, cwd);
    } catch (error) {
      await save({
        status: 'FAILED',
        error: (error as Error).message,
        start_time: clock.now(),
        end_time: clock.now(),
      });
      return;
    }
    const cached =
      step.cache && !run.noCache
        ? await store.cachedStepRun(run.definition.name, step.name, cacheKey)
        : undefined;
    const tracked = await runs.create({
      experimentId: await this.experimentFor(run.definition.name),
      runName: step.name,
      tags: [
        { key: parentRunTag, value: run.parentRunId },
        { key: pipelineTag, value: run.definition.name },
        { key: 'mloop.pipeline.step', value: step.name },
        { key: pipelineRunTag, value: run.runId },
        { key: cacheKeyTag, value: cacheKey },
        { key: cacheHitTag, value: String(cached !== undefined) },
        ...run.sourceTags,
        ...Object.entries(inputs).map(([name, input]) => ({
          key: `mloop.pipeline.input.${name}`,
          value: input.path ?? input.digest,
        })),
      ],
    });
    const used = step.params ?? Object.keys(run.params);
    if (used.length > 0)
      await runs.logBatch(tracked.info.runId, {
        params: used.map((key) => trackedParam(run.definition, run.params, key)),
      });
    // Dataset inputs are logged as the run's dataset inputs, so lineage reaches the data with no extra code.
    const datasets = Object.entries(inputs).filter(([, input]) => input.kind === 'dataset' && input.path);
    if (datasets.length > 0) {
      await runs.logInputs(
        tracked.info.runId,
        datasets.map(([name, input]) => ({
          dataset: {
            name: `${step.inputs[name]!.step}.${step.inputs[name]!.output}`,
            digest: input.digest.slice(0, 32),
            sourceType: 'mloop-pipeline',
            source: input.path!,
          },
          tags: [{ key: datasetContextTag, value: 'training' }],
        })),
      );
    }
    await save({
      status: 'RUNNING',
      cache_key: cacheKey,
      tracking_run_id: tracked.info.runId,
      start_time: clock.now(),
      cache_hit: 0,
      lease_owner: this.owner,
      lease_expires_at: this.deps.leases.expiry(),
    });
    if (cached) {
      await save({
        status: 'SUCCEEDED',
        cache_hit: 1,
        outputs: JSON.stringify(cached.outputs),
        log_path: cached.logPath ?? null,
        end_time: clock.now(),
      });
      await runs.logBatch(tracked.info.runId, {
        tags: [{ key: 'mloop.pipeline.cached_from', value: cached.id }],
      });
      await runs.update(tracked.info.runId, { status: 'FINISHED', endTime: clock.now() });
      return;
    }
    const artifactDir = storePathOf(tracked.info.artifactUri);
    // Retries count from this execution's first attempt: a rerun gets the full budget again.
    const first = row.attempt + 1;
    for (let attempt = first; ; attempt++) {
      await save({ attempt });
      const task = {
        pipeline: run.definition.name,
        pipelineRunId: run.runId,
        stepRunId: row.id,
        step: step.name,
        source: run.source,
        params: run.params,
        secretParams: run.definition.secretParams,
        inputs,
        outputs: step.outputs,
        artifactDir,
        attempt,
        timeoutMs: step.timeoutMs,
        cwd,
      };
      const result = await executor.run(task, step, run.signal).catch((error: unknown) => ({
        ok: false,
        outputs: {},
        error: error instanceof Error ? error.message : String(error),
        logPath: '',
      }));
      if (result.logPath) await save({ log_path: result.logPath });
      if (result.ok) {
        await save({
          status: 'SUCCEEDED',
          outputs: JSON.stringify(result.outputs),
          error: null,
          end_time: clock.now(),
        });
        await runs.update(tracked.info.runId, { status: 'FINISHED', endTime: clock.now() });
        return;
      }
      if (run.signal.aborted || attempt >= first + step.retries) {
        await save({
          status: run.signal.aborted ? 'CANCELLED' : 'FAILED',
          error: result.error ?? 'failed',
          end_time: clock.now(),
        });
        await runs.update(tracked.info.runId, {
          status: run.signal.aborted ? 'KILLED' : 'FAILED',
          endTime: clock.now(),
        });
        return;
      }
      await sleep(step.backoffMs * 2 ** (attempt - first), run.signal);
    }
  }

  private experimentFor(name: string): Promise<string> {
    const { experiments } = this.deps;
    return getOrCreate(
      async () => (await experiments.getByName(name)).experimentId,
      () => experiments.create({ name }),
    );
  }
}

interface StepRunContext {
  runId: string;
  definition: PipelineDefinition;
  source: PipelineSource;
  params: Params;
  noCache: boolean;
  parentRunId: string;
  /** The pipeline file's directory: shell steps run there. */
  cwd: string;
  /** The git commit of the pipeline's code, tagged on every step run. */
  sourceTags: Tag[];
  signal: AbortSignal;
  /** True once another process took the run from this one: nothing more is written. */
  lost: () => boolean;
}

/** Runs steps as their needs succeed, at most `definition.concurrency` at a time. */
async function schedule(
  definition: PipelineDefinition,
  rows: Map<string, StepRunRow>,
  runStep: (step: Step) => Promise<void>,
  skip: (step: Step, row: StepRunRow) => Promise<void>,
): Promise<void> {
  const running = new Map<string, Promise<void>>();
  for (;;) {
    let progressed = false;
    for (const step of definition.steps) {
      const row = rows.get(step.name)!;
      if (row.status !== 'PENDING' || running.has(step.name)) continue;
      const needs = step.needs.map((n) => rows.get(n)!.status);
      if (needs.some((s) => s === 'FAILED' || s === 'CANCELLED' || s === 'SKIPPED')) {
        await skip(step, row);
        progressed = true;
      } else if (needs.every((s) => s === 'SUCCEEDED') && running.size < definition.concurrency) {
        running.set(
          step.name,
          runStep(step).finally(() => running.delete(step.name)),
        );
      }
    }
    if (running.size === 0 && !progressed) return;
    if (running.size > 0) await Promise.race(running.values());
  }
}

function pendingStep(runId: string, pipeline: string, step: string): StepRunRow {
  return {
    id: newId('step'),
    pipeline_run_id: runId,
    pipeline,
    step,
    status: 'PENDING',
    attempt: 0,
    cache_key: null,
    cache_hit: 0,
    outputs: '{}',
    error: null,
    log_path: null,
    tracking_run_id: null,
    start_time: null,
    end_time: null,
    lease_owner: null,
    lease_expires_at: null,
  };
}

/**
 * The run's params: declared defaults overridden by the given values. Values from a command line
 * or a webhook arrive as strings and take the type of the declared default.
 */
export function resolveParams(definition: PipelineDefinition, given: Record<string, unknown>): Params {
  const params: Params = { ...definition.params };
  for (const [key, value] of Object.entries(given)) {
    const field = `params.${key}`;
    if (!(key in definition.params)) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `pipeline "${definition.name}" has no param "${key}"; it declares: ${Object.keys(definition.params).join(', ') || 'none'}`,
        field,
      );
    }
    const declared = typeof definition.params[key];
    if (typeof value === declared) params[key] = value as ParamValue;
    else if (
      declared === 'number' &&
      typeof value === 'string' &&
      value.trim() !== '' &&
      Number.isFinite(Number(value))
    )
      params[key] = Number(value);
    else if (declared === 'boolean' && (value === 'true' || value === 'false'))
      params[key] = value === 'true';
    else if (declared === 'string' && (typeof value === 'number' || typeof value === 'boolean'))
      params[key] = String(value);
    else
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `param "${key}" must be a ${declared}, got ${JSON.stringify(value)}`,
        field,
      );
  }
  return params;
}

/** A param as its tracked run records it: a secret one as `***`. */
function trackedParam(definition: PipelineDefinition, params: Params, key: string) {
  return { key, value: definition.secretParams.includes(key) ? '***' : String(params[key]) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** Where a pipeline's code lives (its file's directory): shell steps run there, git is read there. */
function sourceDir(source: PipelineSource): string {
  return source.kind === 'module' || source.path ? dirname(resolve(source.path)) : process.cwd();
}
