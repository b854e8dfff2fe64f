import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { MloopError } from '../../core/errors.js';
import type { ModelVersion } from '../../registry/types.js';
import { percentile } from '../../serving/deployments/arm-stats.js';
import type { ServingTables } from '../../serving/tables.js';
import type { MonitorReports } from '../monitor-report.js';
import type { PerformanceSource } from '../performance-source.js';
import type { RequestErrorRates } from './request-error-rates.js';
import type { AlertRule } from './types.js';

/** What a rule's value was over its window, or why there was nothing to judge. */
export type RuleValue = { model: string; value: number; detail: string } | { model: string; noData: string };

/** The deployment facts rules need: its model and primary version, and its arms' live stats. */
export interface DeploymentLookup {
  get(name: string): Promise<{ model: string; primary: string }>;
  /** Requests and errors its answering arms (primary and candidate) had since `sinceTime`. */
  requestCounts(name: string, sinceTime: number): Promise<{ requests: number; errors: number }>;
}

export interface RuleValueDependencies {
  registry: { resolve(ref: string): Promise<ModelVersion> };
  reports: MonitorReports;
  db: Kysely<ServingTables>;
  predictionLog: { flush(): Promise<void> };
  errorRates: RequestErrorRates;
  clock: Clock;
  deployments?: DeploymentLookup | undefined;
  /** Labelled performance; metric rules report an error without it. */
  performance?: PerformanceSource | undefined;
}

interface Target {
  ref: string;
  version: ModelVersion;
  deployment: string | undefined;
}

/** Computes each kind of rule's value over the window ending now. */
export class RuleValues {
  constructor(private readonly deps: RuleValueDependencies) {}

  async compute(rule: AlertRule): Promise<RuleValue> {
    const target = await this.target(rule);
    const model = target.version.name;
    const version = rule.allVersions ? undefined : target.version.version;
    // (now - window, now], as reports read it.
    const to = this.deps.clock.now() + 1;
    const from = to - rule.windowMs;
    const which = `${model}${version === undefined ? '' : `/${version}`}${target.deployment ? ` via ${target.deployment}` : ''}`;
    switch (rule.kind) {
      case 'drift_share': {
        const report = await this.deps.reports.report({
          ref: target.ref,
          windowMs: rule.windowMs,
          reference: rule.reference,
          allVersions: rule.allVersions,
          deployment: target.deployment,
          to,
        });
        if (report.window.rows === 0) return { model, noData: `no predictions of ${which} in the window` };
        const drifted = report.drift.columns.filter((c) => c.drifted).map((c) => c.name);
        return {
          model,
          value: report.drift.driftedShare,
          detail: `${drifted.length} of ${report.drift.columns.length} columns drifted${drifted.length ? ` (${drifted.join(', ')})` : ''} over ${report.window.rows} predictions of ${which}`,
        };
      }
      case 'p99_latency_above': {
        const latencies = await this.requestLatencies(model, version, target.deployment, from, to);
        const p99 = percentile(latencies, 0.99);
        if (p99 === undefined) return { model, noData: `no requests of ${which} in the window` };
        return {
          model,
          value: p99,
          detail: `p99 latency ${p99.toFixed(1)} ms over ${latencies.length} requests of ${which}`,
        };
      }
      case 'error_rate_above': {
        const { requests, errors, rate } =
          target.deployment && this.deps.deployments
            ? withRate(await this.deps.deployments.requestCounts(target.deployment, from))
            : await this.deps.errorRates.rate(model, version, from);
        if (rate === undefined) return { model, noData: `no requests of ${which} in the window` };
        return { model, value: rate, detail: `${errors} of ${requests} requests of ${which} failed` };
      }
      case 'metric_below':
      case 'metric_above': {
        if (!this.deps.performance) {
          throw new MloopError(
            'INVALID_STATE',
            `rule '${rule.name}' needs performance metrics from labelled feedback, which this installation does not provide`,
          );
        }
        const value = await this.deps.performance.metric({
          model,
          version,
          deployment: target.deployment,
          metric: rule.metric ?? '',
          from,
          to,
        });
        if (value === undefined)
          return { model, noData: `no labelled predictions of ${which} in the window` };
        return {
          model,
          value,
          detail: `${rule.metric} ${value.toPrecision(4)} on labelled predictions of ${which}`,
        };
      }
    }
  }

  private async target(rule: AlertRule): Promise<Target> {
    if ('model' in rule.target) {
      return {
        ref: rule.target.model,
        version: await this.deps.registry.resolve(rule.target.model),
        deployment: undefined,
      };
    }
    if (!this.deps.deployments) throw new MloopError('INVALID_STATE', 'deployments are not available here');
    const deployment = await this.deps.deployments.get(rule.target.deployment);
    const ref = /^\d+$/.test(deployment.primary)
      ? `${deployment.model}/${deployment.primary}`
      : `${deployment.model}@${deployment.primary}`;
    return { ref, version: await this.deps.registry.resolve(ref), deployment: rule.target.deployment };
  }

  /** One latency per request (a batch's records share it), shadow copies left out. */
  private async requestLatencies(
    model: string,
    version: number | undefined,
    deployment: string | undefined,
    from: number,
    to: number,
  ): Promise<number[]> {
    await this.deps.predictionLog.flush();
    let query = this.deps.db
      .selectFrom('predictions')
      .select(({ fn }) => ['request_id', fn.max('latency_ms').as('latency')])
      .where('model', '=', model)
      .where('time', '>=', from)
      .where('time', '<', to)
      .where('arm', '!=', 'shadow');
    if (version !== undefined) query = query.where('version', '=', version);
    if (deployment !== undefined) query = query.where('deployment', '=', deployment);
    const rows = await query.groupBy('request_id').execute();
    return rows.map((r) => Number(r.latency));
  }
}

function withRate(counts: { requests: number; errors: number }) {
  return { ...counts, rate: counts.requests > 0 ? counts.errors / counts.requests : undefined };
}
