import type { AuditTrail } from '../../core/audit-trail.js';
import type { BackgroundDuties } from '../../core/background.js';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../core/events.js';
import type { Database } from '../../store/database.js';
import { ArmStatsRecorder } from './arm-stats.js';
import { DeploymentPredictor, type DeploymentPredictorOptions, type Scorer } from './deployment-predictor.js';
import { DeploymentService } from './deployments.js';
import type { ModelVersions } from './model-versions.js';
import { RolloutController } from './rollout-controller.js';
import type { DeploymentTables } from './tables.js';

/** Deployments' services as the platform holds them. */
export interface DeploymentServices {
  deployments: DeploymentService;
  rollouts: RolloutController;
  /** Live per-arm statistics: the predictor records into it, rollouts read from it. */
  armStats: ArmStatsRecorder;
  /** Answers requests through the router; undefined without a scorer (serving). */
  predictor: DeploymentPredictor | undefined;
  /** Waits for shadow scorings in flight. */
  close(): Promise<void>;
}

export interface DeploymentServicesOptions {
  database: Database;
  clock: Clock;
  events: EventBus;
  /** The registry, adapted; without it versions are not checked. */
  versions?: ModelVersions | undefined;
  /** Serving's inference path; without it deployments cannot answer requests. */
  scorer?: Scorer | undefined;
  predictor?: DeploymentPredictorOptions | undefined;
  /** Where deployment changes (by people or the rollout controller) are recorded. */
  audit?: AuditTrail | undefined;
  /** Runs the periodic flush of arm statistics to the store; without it they are written as read. */
  duties?: BackgroundDuties | undefined;
}

/** How often a server writes the arm statistics it measured to the store, for the others to read. */
const flushEveryMs = 500;

/** Wires deployments' services to one database, clock, event bus, registry and scorer. */
export function createDeploymentServices(options: DeploymentServicesOptions): DeploymentServices {
  const { clock, events } = options;
  const deployments = new DeploymentService(
    options.database.tables<DeploymentTables>(),
    clock,
    events,
    options.versions,
    options.audit,
  );
  const armStats = new ArmStatsRecorder(options.database, clock);
  // Other servers read these samples from the store: write them out within a moment.
  const flusher = options.duties?.every('arm-stats-flush', flushEveryMs, () => armStats.flush());
  const predictor = options.scorer
    ? new DeploymentPredictor(deployments, options.scorer, armStats, events, clock, options.predictor)
    : undefined;
  return {
    deployments,
    rollouts: new RolloutController(deployments, armStats, clock),
    armStats,
    predictor,
    close: async () => {
      await predictor?.drainShadows();
      await flusher?.stop();
      await armStats.flush().catch(() => undefined); // the database may already be gone
    },
  };
}
