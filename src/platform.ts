import { join } from 'node:path';
import { BackgroundDuties } from './core/background.js';
import type { Clock } from './core/clock.js';
import { systemClock } from './core/clock.js';
import type { Config } from './core/config.js';
import { EventBus } from './core/events.js';
import { DatasetService } from './data/datasets.js';
import type { ValidationTables } from './data/validation/tables.js';
import { DatasetValidationService } from './data/validation/validations.js';
import { versionDataOf } from './data/validation/version-data.js';
import { driftDistributionTest } from './monitoring/drift/distribution-test.js';
import type { DatasetTables } from './data/tables.js';
import { AuditLog } from './governance/audit.js';
import { auditHeadKey } from './governance/audit-key.js';
import { createGovernanceServices, type GovernanceServices } from './governance/governance-services.js';
import { lineageSources } from './governance/lineage-sources.js';
import { rolloutApprovalCheck } from './governance/rollout-approvals.js';
import { PipelineStore } from './pipelines/pipeline-store.js';
import type { PipelineTables } from './pipelines/tables.js';
import { FeedbackService } from './feedback/feedback-service.js';
import { SqlLabelledPredictions } from './feedback/labelled-predictions.js';
import type { FeedbackTables } from './feedback/tables.js';
import { PerformanceService } from './monitoring/performance/performance-report.js';
import { servingRequestCounters } from './monitoring/alerts/request-error-rates.js';
import { SharedRequestCounters } from './monitoring/alerts/shared-request-counters.js';
import { datasetVersionFiles } from './monitoring/dataset-version-files.js';
import { createMonitoringServices, type MonitoringServices } from './monitoring/monitoring-services.js';
import {
  createDeploymentServices,
  type DeploymentServices,
} from './serving/deployments/deployment-services.js';
import type { DeploymentPredictorOptions } from './serving/deployments/deployment-predictor.js';
import { registryModelVersions } from './serving/deployments/registry-versions.js';
import { PersonalData, piiHashKey } from './serving/personal-data.js';
import { registryModelSource } from './serving/registry-source.js';
import { registryPythonModels } from './serving/python/local-model-files.js';
import type { ModelSource } from './serving/served-models.js';
import {
  createServingServices,
  type ServingOptions,
  type ServingServices,
} from './serving/serving-services.js';
import type { ArtifactStore } from './store/artifacts/artifact-store.js';
import { openArtifactStore } from './store/artifacts/open-artifact-store.js';
import { RegistryService } from './registry/registry.js';
import { openDatabase, type Database } from './store/database.js';
import { LeaderElection } from './store/leader-election.js';
import { openChangeNotifications } from './store/notifications/open-change-notifications.js';
import type { ChangeNotifications } from './store/notifications/change-notifications.js';
import { shareAliasMoves } from './serving/shared-alias-moves.js';
import { GateRunner } from './training/gates/gate-runner.js';
import { scorableVersions } from './serving/scorable-versions.js';
import { isMloopError } from './core/errors.js';
import { createTrackingServices, type TrackingServices } from './tracking-platform.js';

/** Every domain service, wired to one database, one artifact store, one clock and one event bus. */
export interface Platform {
  readonly config: Config;
  readonly database: Database;
  readonly artifactStore: ArtifactStore;
  readonly clock: Clock;
  readonly events: EventBus;
  readonly tracking: TrackingServices;
  /** Registered models, versions with lineage, aliases and their promotion history. */
  readonly registry: RegistryService;
  /** Deployments (canary, shadow, A/B), their rollouts and live per-arm statistics. */
  readonly deployments: DeploymentServices;
  /** Served models (hot-swapped on alias moves), predictions, the prediction log, metrics. */
  readonly serving: ServingServices;
  /** Ground truth for logged predictions, and the predictions joined with it. */
  readonly feedback: { labels: FeedbackService; labelled: SqlLabelledPredictions };
  /** Performance from delayed labels, per window and model version. */
  readonly performance: PerformanceService;
  /**
   * Versioned datasets: content-addressed versions with schema and profile; validation suites
   * run on versions, their reports, and the check trainers make before using a version.
   */
  readonly data: { datasets: DatasetService; validation: DatasetValidationService };
  /** Drift and quality reports of prediction windows; alert rules, their evaluation and alerts. */
  readonly monitoring: MonitoringServices;
  /** API tokens, project roles, the hash-chained audit log, four-eyes promotion requests. */
  readonly governance: GovernanceServices;
  /** Evaluation gates run on registered versions; reports are stored by `registry.gates`. */
  readonly gates: GateRunner;
  /** Runs background duties (schedulers, tickers, triggers): failures are logged, counted and retried. */
  readonly background: BackgroundDuties;
  /** Messages between the processes on this store (LISTEN/NOTIFY, Redis pub/sub, or this process only). */
  readonly notifications: ChangeNotifications;
  close(): Promise<void>;
}

export interface PlatformOptions {
  clock?: Clock;
  serving?: ServingOptions;
  /** Canary draws (seeded in tests), deployment caching, shadow concurrency. */
  deployments?: DeploymentPredictorOptions;
  /** How long a process leads a once-only duty without renewing before another takes over (default 15 s). */
  leaseMs?: number;
  /** Where served models come from: this store's registry, or a registry server's (`mloop serve --url`). */
  modelSource?: ModelSource;
}

/** The composition root: the server and the embedded CLI both start here. */
export async function openPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config.databaseUrl);
  const artifactStore = await openArtifactStore(config.artifactRoot, config);
  const events = new EventBus();
  // Made first: every domain records its changes here, whichever way they come in.
  const audit = new AuditLog(database, clock, auditHeadKey(config));
  const { tracking, registry } = createTrackingServices({
    database,
    artifactStore,
    clock,
    events,
    protectedAliases: config.protectedAliases,
    audit,
    python: config.python,
  });
  const personalData = new PersonalData(() =>
    piiHashKey(config.piiHashKey, join(config.home, 'pii-hash-key')),
  );
  const serving = createServingServices(
    {
      database,
      clock,
      events,
      source: options.modelSource ?? registryModelSource(registry),
      personalData,
      // MLflow models without ONNX run in Python workers (this store's registry only).
      python: options.modelSource
        ? undefined
        : {
            files: registryPythonModels(registry, artifactStore, config.home),
            settings: {
              python: config.python,
              envManager: config.pythonEnvManager,
              workers: config.pythonWorkers,
              home: config.home,
            },
          },
    },
    // Answered predictions are journaled here until the database holds them.
    { journalDir: join(config.home, 'prediction-journal'), ...options.serving },
  );
  // Predictions a killed process answered but never wrote to the database.
  const recovered = await serving.log.recover();
  if (recovered > 0)
    options.serving?.logger?.info({ recovered }, 'wrote the predictions a stopped process had journaled');
  const background = new BackgroundDuties(
    serving.metrics.registry,
    options.serving?.logger,
    {},
    new LeaderElection(database, clock, options.leaseMs),
  );
  // Alias moves reach every server's served models by notification; polling stays the fallback.
  const notifications = await openChangeNotifications(database, config.redisUrl, options.serving?.logger);
  const stopSharingMoves = shareAliasMoves(events, notifications, serving.models, (send) => {
    void background.run('alias-notification', send, { retries: 3 });
  });
  const deployments = createDeploymentServices({
    database,
    clock,
    events,
    versions: {
      ...registryModelVersions(registry),
      // Governance is made below; the check runs only when a rollout starts or completes.
      rolloutBlock: (...args) => rolloutApprovalCheck(governance.promotionRequests, config)(...args),
    },
    scorer: serving.predictions,
    predictor: options.deployments,
    audit,
    duties: background,
  });
  const labelled = new SqlLabelledPredictions(database.tables<FeedbackTables>());
  const feedback = {
    labels: new FeedbackService({
      db: database.tables<FeedbackTables>(),
      log: serving.log,
      clock,
      events,
      versionClasses: async (model, version) => {
        try {
          return (await registry.versions.get(model, version)).metadata?.classLabels;
        } catch {
          return undefined; // a deleted version: the prediction's own probabilities name the classes
        }
      },
    }),
    labelled,
  };
  const performance = new PerformanceService(labelled, clock);
  const datasets = new DatasetService({
    db: database.tables<DatasetTables>(),
    store: artifactStore,
    clock,
    cacheDir: join(config.home, 'cache'),
    events,
    audit,
  });
  // Error-rate rules on models count every server's requests: each publishes its counters.
  const requestCounters = new SharedRequestCounters(database, servingRequestCounters(serving.metrics));
  const countersPublisher = background.every('request-totals', 1_000, () => requestCounters.publish());
  const monitoring = createMonitoringServices({
    database,
    clock,
    events,
    webhook: { allowedHosts: config.webhookAllowedHosts },
    registry,
    predictionLog: serving.log,
    requestCounters,
    deployments: {
      get: (name) => deployments.deployments.get(name),
      requestCounts: async (name, since) => {
        const primary = await deployments.armStats.stats(name, 'primary', since);
        const candidate = await deployments.armStats.stats(name, 'candidate', since);
        return {
          requests: primary.requests + candidate.requests,
          errors: primary.errors + candidate.errors,
        };
      },
    },
    datasets: datasetVersionFiles(datasets),
    performance,
  });
  const governance = createGovernanceServices({
    database,
    clock,
    events,
    audit,
    aliases: registry.aliases,
    lineage: lineageSources({
      registry,
      runs: tracking.runs,
      predictions: serving.log,
      datasets,
      deployments: deployments.deployments,
      pipelineRuns: new PipelineStore(database.tables<PipelineTables>(), clock),
    }),
    personalData,
    flushPredictions: () => serving.log.flush(),
  });
  return {
    config,
    database,
    artifactStore,
    clock,
    events,
    tracking,
    registry,
    deployments,
    serving,
    feedback,
    performance,
    data: {
      datasets,
      // Data sits upstream of monitoring: validation gets the drift tests through its interface.
      validation: new DatasetValidationService({
        db: database.tables<ValidationTables>(),
        clock,
        distributionTest: driftDistributionTest,
        data: versionDataOf(datasets),
      }),
    },
    monitoring,
    governance,
    // Training sits upstream of registry and serving: the gate runner gets them through ports.
    gates: new GateRunner({
      aliasVersion: async (name, alias) => {
        try {
          return (await registry.aliases.getVersion(name, alias)).version;
        } catch (error) {
          if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
          throw error;
        }
      },
      loadModel: scorableVersions(registry),
      datasetFile: async (ref) => (await datasets.localPath(ref)).path,
      gates: registry.gates,
    }),
    background,
    notifications,
    close: async () => {
      await background.stop();
      stopSharingMoves();
      await notifications.close();
      await countersPublisher.stop();
      await monitoring.alerts.evaluator.idle();
      await deployments.close();
      await serving.close();
      await database.close();
    },
  };
}
