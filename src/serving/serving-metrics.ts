import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PredictionLogStats } from './prediction-log.js';

/** Labels of per-request series: which model version answered, under which deployment arm. */
export type RequestLabels = { model: string; version: string; arm: string };

/**
 * Serving's Prometheus series, in their own registry (so several platforms in one process, as in
 * tests, never collide), exposed at `/metrics`. Every request series carries `arm` (`default`
 * outside deployments) so canary, shadow and A/B arms are told apart without new series.
 */
export class ServingMetrics {
  readonly registry: Registry;
  readonly requests: Counter<keyof RequestLabels>;
  readonly errors: Counter<keyof RequestLabels | 'code'>;
  readonly records: Counter<keyof RequestLabels>;
  readonly latency: Histogram<keyof RequestLabels>;
  readonly swaps: Counter<'model'>;
  readonly tamperedFiles: Counter<'model' | 'version'>;
  readonly pythonWorkerRestarts: Counter<'model' | 'version'>;

  constructor(options: { registry?: Registry; predictionLog?: () => PredictionLogStats } = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const labelNames = ['model', 'version', 'arm'] as const;
    this.requests = new Counter({
      name: 'mloop_serving_requests_total',
      help: 'Prediction requests answered, successfully or not, per model version and arm',
      labelNames,
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'mloop_serving_request_errors_total',
      help: 'Prediction requests that failed, by error code (INVALID_PARAMETER_VALUE for bad input)',
      labelNames: [...labelNames, 'code'],
      registers: [registry],
    });
    this.records = new Counter({
      name: 'mloop_serving_records_total',
      help: 'Records scored',
      labelNames,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'mloop_serving_request_duration_seconds',
      help: 'Time to validate and score a request, from the model lease to the predictions',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.swaps = new Counter({
      name: 'mloop_serving_model_swaps_total',
      help: 'Times a served reference switched to another model version',
      labelNames: ['model'],
      registers: [registry],
    });
    this.tamperedFiles = new Counter({
      name: 'mloop_model_files_tampered_total',
      help: "Loads refused because a version's files differ from the registered ones (alert on any increase)",
      labelNames: ['model', 'version'],
      registers: [registry],
    });
    this.pythonWorkerRestarts = new Counter({
      name: 'mloop_python_worker_restarts_total',
      help: 'Python worker processes that died and were replaced, per model version (their in-flight requests got 503)',
      labelNames: ['model', 'version'],
      registers: [registry],
    });
    const log = options.predictionLog;
    if (log) {
      new Gauge({
        name: 'mloop_prediction_log_queued',
        help: 'Predictions answered and not yet in the database (journaled, waiting for a write)',
        registers: [registry],
        collect() {
          this.set(log().queued);
        },
      });
      // Counters (rate() and increase() apply), read from the log's own running totals when scraped.
      new Counter({
        name: 'mloop_prediction_log_written_total',
        help: 'Predictions written to the prediction log since the process started',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(log().written);
        },
      });
      new Counter({
        name: 'mloop_prediction_log_refused_total',
        help: 'Predictions refused with 503 because the log was at its bound (rows or age not yet in the database) or closed',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(log().refused);
        },
      });
    }
  }

  /**
   * Adds the process's own series (CPU, memory, heap, event loop lag, GC, handles: prom-client's
   * defaults, `process_*` and `nodejs_*`). A server process calls it once; platforms opened in
   * tests or by CLI commands do not, as each call starts its own event-loop and GC observers.
   */
  exportProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }
  private processMetrics = false;

  /** The Prometheus text exposition of every series. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
