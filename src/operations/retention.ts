import type { AuditTrail } from '../core/audit-trail.js';
import type { BackgroundDuties, PeriodicDuty } from '../core/background.js';
import type { FeedbackTables } from '../feedback/tables.js';
import type { AlertTables } from '../monitoring/alerts/tables.js';
import type { PipelineTables } from '../pipelines/tables.js';
import type { Platform } from '../platform.js';
import { AlertRetention } from './alert-retention.js';
import { PipelineLogRetention } from './pipeline-log-retention.js';
import { PredictionRetention } from './prediction-retention.js';

/** One kind of record retention prunes: the prediction log, alerts, the audit log, pipeline logs. */
export interface RetentionTask {
  /** What it prunes, as logs and the audit entry name it. */
  name: string;
  /** One pass: removes what is past its limits, in batches; says how much, with details for the log. */
  apply(): Promise<{ removed: number; details?: unknown }>;
}

/** How often `mloop server` applies the retention settings: records outlive their limit by at most this. */
export const retentionIntervalMs = 10 * 60_000;

/** The tasks the platform's retention settings ask for (none when all are unset: everything is kept). */
export function retentionTasks(platform: Platform): RetentionTask[] {
  const { config, clock, database } = platform;
  const tasks: RetentionTask[] = [];
  if (config.predictionRetention) {
    const retention = new PredictionRetention(
      database.tables<FeedbackTables>(),
      clock,
      config.predictionRetention,
    );
    tasks.push({
      name: 'prediction log',
      apply: async () => {
        const models = await retention.apply();
        return { removed: sum(models.map((m) => m.deletedByAge + m.deletedBySize)), details: models };
      },
    });
  }
  if (config.alertRetention) {
    const retention = new AlertRetention(database.tables<AlertTables>(), clock, config.alertRetention);
    tasks.push({
      name: 'alerts',
      apply: async () => {
        const models = await retention.apply();
        return { removed: sum(models.map((m) => m.deleted)), details: models };
      },
    });
  }
  const auditAge = config.auditRetention;
  if (auditAge !== undefined) {
    const audit = platform.governance.audit;
    tasks.push({
      name: 'audit log',
      apply: async () => {
        const { removed, throughSeq } = await audit.removeOlderThan(clock.now() - auditAge);
        return { removed, details: { through_seq: throughSeq } };
      },
    });
  }
  if (config.pipelineLogRetention !== undefined) {
    const retention = new PipelineLogRetention(
      database.tables<PipelineTables>(),
      platform.artifactStore,
      clock,
      config.pipelineLogRetention,
    );
    tasks.push({
      name: 'pipeline logs',
      apply: async () => ({ removed: (await retention.apply()).deleted }),
    });
  }
  return tasks;
}

/**
 * Runs the retention tasks every `intervalMs` as the background duty `retention`, on one server of
 * those sharing the database (the duty's elected leader); failures are logged, counted and
 * retried, and a failing task does not hold back the others. Each pass that removed something is
 * recorded in the audit log (`privacy.retention`), so what went and when stays on record.
 */
export function startRetention(
  tasks: readonly RetentionTask[],
  intervalMs: number,
  duties: BackgroundDuties,
  trail: AuditTrail,
  logger?: { info(details: object, message: string): void },
): PeriodicDuty {
  return duties.every(
    'retention',
    intervalMs,
    async () => {
      const failures: unknown[] = [];
      for (const task of tasks) {
        try {
          const { removed, details } = await task.apply();
          if (removed === 0) continue;
          logger?.info(
            { task: task.name, removed, details },
            `retention removed ${removed} from the ${task.name}`,
          );
          await trail.record({
            kind: 'privacy',
            action: 'privacy.retention',
            objectKind: 'retention',
            objectId: task.name,
            after: details === undefined ? { removed } : { removed, details },
          });
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
    { once: true },
  );
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
