import type { AuditTrail } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import type { Database } from '../store/database.js';
import type { ArtifactService } from '../tracking/artifacts.js';
import type { ExperimentService } from '../tracking/experiments.js';
import type { RunService } from '../tracking/runs.js';
import { InProcessExecutor } from './executors/in-process-executor.js';
import { PipelineService } from './pipeline-service.js';
import { PipelineStore } from './pipeline-store.js';
import { PipelineRunner } from './runner.js';
import { RunLeases } from './run-leases.js';
import type { StepExecutor } from './step-task.js';
import type { PipelineTables } from './tables.js';

export interface PipelineDeps {
  database: Database;
  clock: Clock;
  experiments: ExperimentService;
  runs: RunService;
  artifacts: ArtifactService;
  audit?: AuditTrail | undefined;
  /** How long a run outlives its process's last heartbeat before another process fails it (ms). */
  leaseMs?: number;
}

/** Pipelines wired to the platform's tracking; steps run in this process unless an executor is given. */
export function createPipelineService(deps: PipelineDeps, executor?: StepExecutor): PipelineService {
  const tables = deps.database.tables<PipelineTables>();
  const store = new PipelineStore(tables, deps.clock);
  const leases = new RunLeases(tables, deps.clock, deps.leaseMs);
  const runner = new PipelineRunner({
    store,
    leases,
    experiments: deps.experiments,
    runs: deps.runs,
    clock: deps.clock,
    executor: executor ?? new InProcessExecutor(deps.artifacts),
  });
  return new PipelineService(store, runner, { ...deps, leases });
}

/** `createPipelineService` over an opened platform's store and tracking services. */
export function platformPipelineService(
  platform: {
    database: Database;
    clock: Clock;
    config: { pipelineLeaseMs: number };
    tracking: Pick<PipelineDeps, 'experiments' | 'runs' | 'artifacts'>;
    /** The platform's audit log, which records pipeline changes and what their steps change. */
    governance?: { audit: AuditTrail };
  },
  executor?: StepExecutor,
): PipelineService {
  const { experiments, runs, artifacts } = platform.tracking;
  return createPipelineService(
    {
      database: platform.database,
      clock: platform.clock,
      experiments,
      runs,
      artifacts,
      audit: platform.governance?.audit,
      leaseMs: platform.config.pipelineLeaseMs,
    },
    executor,
  );
}
