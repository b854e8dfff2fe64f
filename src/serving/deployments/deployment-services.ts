import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../core/events.js';
import type { Database } from '../../store/database.js';
import { ArmStatsRecorder } from './arm-stats.js';
import { DeploymentService } from './deployments.js';
import type { ModelVersions } from './model-versions.js';
import { RolloutController } from './rollout-controller.js';
import type { DeploymentTables } from './tables.js';

/** Deployments' services as the platform holds them. */
export interface DeploymentServices {
  deployments: DeploymentService;
  rollouts: RolloutController;
  /** Live per-arm statistics: serving records into it, rollouts read from it. */
  armStats: ArmStatsRecorder;
}

export interface DeploymentServicesOptions {
  database: Database;
  clock: Clock;
  events: EventBus;
  /** The registry, adapted; without it versions are not checked. */
  versions?: ModelVersions | undefined;
}

/** Wires deployments' services to one database, clock, event bus and registry. */
export function createDeploymentServices(options: DeploymentServicesOptions): DeploymentServices {
  const deployments = new DeploymentService(
    options.database.tables<DeploymentTables>(),
    options.clock,
    options.events,
    options.versions,
  );
  const armStats = new ArmStatsRecorder(options.clock);
  return { deployments, rollouts: new RolloutController(deployments, armStats, options.clock), armStats };
}
