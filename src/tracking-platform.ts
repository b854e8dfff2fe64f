import type { AuditTrail } from './core/audit-trail.js';
import type { Clock } from './core/clock.js';
import { systemClock } from './core/clock.js';
import type { Config } from './core/config.js';
import { EventBus } from './core/events.js';
import { AuditLog } from './governance/audit.js';
import { auditHeadKey } from './governance/audit-key.js';
import { RegistryService } from './registry/registry.js';
import type { RegistryTables } from './registry/tables.js';
import type { ArtifactStore } from './store/artifacts/artifact-store.js';
import { openArtifactStore } from './store/artifacts/open-artifact-store.js';
import { openDatabase, type Database } from './store/database.js';
import { ArtifactService } from './tracking/artifacts.js';
import { ExperimentService } from './tracking/experiments.js';
import { LoggedModelService } from './tracking/logged-models.js';
import { RunService } from './tracking/runs.js';
import type { LoggedModelTables, TrackingTables } from './tracking/tables.js';
import { AssessmentService } from './tracking/traces/assessments.js';
import type { TraceTables } from './tracking/traces/tables.js';
import { TraceService } from './tracking/traces/traces.js';

/** Experiments, runs, their artifacts, logged models and traces. */
export interface TrackingServices {
  experiments: ExperimentService;
  runs: RunService;
  artifacts: ArtifactService;
  loggedModels: LoggedModelService;
  traces: TraceService;
  assessments: AssessmentService;
}

/** What tracking and the registry are wired to; the full platform shares them with every domain. */
export interface TrackingWiring {
  database: Database;
  artifactStore: ArtifactStore;
  clock: Clock;
  events: EventBus;
  /** From the configuration: aliases guarded by evaluation gates (and by governance). */
  protectedAliases?: readonly string[] | undefined;
  /** Where registry changes are recorded (the governance audit log). */
  audit?: AuditTrail | undefined;
  /** The Python that converts MLflow models to ONNX on registration (MLOOP_PYTHON). */
  python?: string | undefined;
}

/**
 * Wires tracking and the registry: the one place both `openPlatform` and `openTrackingPlatform`
 * build them, so the two cannot drift apart.
 */
export function createTrackingServices(wiring: TrackingWiring): {
  tracking: TrackingServices;
  registry: RegistryService;
} {
  const { database, artifactStore, clock, events } = wiring;
  const trackingDb = database.tables<TrackingTables>();
  const experiments = new ExperimentService(trackingDb, clock);
  const runs = new RunService(trackingDb, experiments, clock, events);
  const loggedModels = new LoggedModelService(database.tables<LoggedModelTables>(), experiments, clock);
  const registry = new RegistryService({
    db: database.tables<RegistryTables>(),
    clock,
    events,
    store: artifactStore,
    runs,
    loggedModels,
    protectedAliases: wiring.protectedAliases,
    audit: wiring.audit,
    python: wiring.python,
  });
  const artifacts = new ArtifactService(trackingDb, artifactStore, clock);
  const traces = new TraceService(database.tables<TraceTables>(), experiments, runs, artifacts, clock);
  const assessments = new AssessmentService(database.tables<TraceTables>(), traces, clock);
  return { tracking: { experiments, runs, artifacts, loggedModels, traces, assessments }, registry };
}

/** Tracking and the registry over one store, without serving, monitoring or data. */
export interface TrackingPlatform {
  readonly config: Config;
  readonly database: Database;
  readonly artifactStore: ArtifactStore;
  readonly tracking: TrackingServices;
  readonly registry: RegistryService;
  close(): Promise<void>;
}

/**
 * Opens only tracking and the registry, for the CLI's experiments, runs, models and predict
 * commands: it skips importing serving, monitoring and data (prom-client and their many modules),
 * which every such command would otherwise pay for at startup. Their in-process event
 * subscribers (served models following aliases) have nothing to follow in a CLI process, so
 * behaviour is the same.
 */
export async function openTrackingPlatform(
  config: Config,
  options: { clock?: Clock } = {},
): Promise<TrackingPlatform> {
  const database = await openDatabase(config.databaseUrl);
  const artifactStore = await openArtifactStore(config.artifactRoot, config);
  const clock = options.clock ?? systemClock;
  const services = createTrackingServices({
    database,
    artifactStore,
    clock,
    events: new EventBus(),
    protectedAliases: config.protectedAliases,
    python: config.python,
    // `mloop models register|alias` change the registry here: recorded as on a server.
    audit: new AuditLog(database, clock, auditHeadKey(config)),
  });
  return { config, database, artifactStore, ...services, close: () => database.close() };
}
