import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Logger } from '../core/logging.js';
import type { ModelVersion } from '../registry/types.js';
import type { ServingTables } from '../serving/tables.js';
import type { Database } from '../store/database.js';
import { AlertEvaluator } from './alerts/alert-evaluator.js';
import { AlertLog } from './alerts/alert-log.js';
import { AlertRuleService } from './alerts/alert-rules.js';
import { RequestErrorRates, type RequestCounters } from './alerts/request-error-rates.js';
import { RuleValues, type DeploymentLookup } from './alerts/rule-values.js';
import type { AlertTables } from './alerts/tables.js';
import type { WebhookOptions } from './alerts/webhook.js';
import { WebhookTargets } from './alerts/webhook-target.js';
import { MonitorReports } from './monitor-report.js';
import type { PerformanceSource } from './performance-source.js';
import type { DatasetVersionFiles } from './reference-data.js';

/** Monitoring's services as the platform holds them. */
export interface MonitoringServices {
  /** Drift and data quality of a model's prediction window against a reference. */
  reports: MonitorReports;
  alerts: {
    rules: AlertRuleService;
    /** Alerts raised, with resolution and webhook delivery. */
    log: AlertLog;
    evaluator: AlertEvaluator;
  };
}

export interface MonitoringDependencies {
  database: Database;
  clock: Clock;
  events: EventBus;
  registry: { resolve(ref: string): Promise<ModelVersion> };
  predictionLog: { flush(): Promise<void> };
  /** Serving's cumulative request and error counts, for error-rate rules on models. */
  requestCounters: RequestCounters;
  deployments?: DeploymentLookup | undefined;
  datasets?: DatasetVersionFiles | undefined;
  performance?: PerformanceSource | undefined;
  webhook?: WebhookOptions | undefined;
  logger?: Logger | undefined;
}

/** Wires monitoring to one database, clock, event bus, registry and prediction log. */
export function createMonitoringServices(deps: MonitoringDependencies): MonitoringServices {
  const db = deps.database.tables<ServingTables>();
  const reports = new MonitorReports({
    registry: deps.registry,
    predictionLog: deps.predictionLog,
    db,
    clock: deps.clock,
    datasets: deps.datasets,
  });
  const alertDb = deps.database.tables<AlertTables>();
  const rules = new AlertRuleService(alertDb, deps.clock, new WebhookTargets(deps.webhook?.allowedHosts));
  const log = new AlertLog(alertDb);
  const values = new RuleValues({
    registry: deps.registry,
    reports,
    db,
    predictionLog: deps.predictionLog,
    errorRates: new RequestErrorRates(deps.requestCounters, deps.clock),
    clock: deps.clock,
    deployments: deps.deployments,
    performance: deps.performance,
  });
  const evaluator = new AlertEvaluator({
    rules,
    alerts: log,
    values,
    events: deps.events,
    clock: deps.clock,
    webhook: deps.webhook,
    logger: deps.logger,
  });
  return { reports, alerts: { rules, log, evaluator } };
}
