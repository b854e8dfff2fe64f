import type { BenchConfig } from './config.js';
import type { HttpClient } from './http-client.js';
import { elapsedMs, summarize, type LatencySummary } from './stats.js';
import {
  createExperiment,
  createRun,
  LOG_BATCH,
  logBatchBody,
  metricHistory,
  type WireMetric,
} from './tracking-api.js';

export interface FailedRequest {
  endpoint: string;
  status: number;
  body: string;
}

export interface IngestResult {
  clients: number;
  requestsPerClient: number;
  metricsPerRequest: number;
  seconds: number;
  /** Metrics in requests the server answered 200, per second of wall time. */
  metricsPerSecond: number;
  metricsAccepted: number;
  requestsFailed: number;
  /** The first few failures, as the server answered them. */
  failures: FailedRequest[];
  requestLatencyMs: LatencySummary;
  verification: { expected: number; stored: number; ok: boolean; problems: string[] };
}

type IngestSettings = BenchConfig['ingest'];

/** The metrics of one request: every key at `stepsPerRequest` consecutive steps. */
function requestMetrics(settings: IngestSettings, request: number, baseTime: number): WireMetric[] {
  const metrics: WireMetric[] = [];
  for (let s = 0; s < settings.stepsPerRequest; s++) {
    const step = request * settings.stepsPerRequest + s;
    for (let k = 0; k < settings.metricKeys; k++) {
      metrics.push({ key: `m${k}`, value: Math.sin(step / 100 + k), timestamp: baseTime + step, step });
    }
  }
  return metrics;
}

/**
 * Ingest throughput: `clients` concurrent clients, each logging to its own run with one log-batch
 * request in flight at a time, over keep-alive connections. Request bodies are serialized before
 * the clock starts, so the figure is the server's, not JSON.stringify's. Afterwards every metric's
 * history is read back to prove nothing was dropped.
 */
export async function runIngest(
  client: HttpClient,
  settings: IngestSettings,
  experimentName = 'bench-ingest',
): Promise<IngestResult> {
  const experimentId = await createExperiment(client, experimentName);
  const baseTime = Date.now();
  const runIds: string[] = [];
  for (let c = 0; c < settings.clients; c++) {
    const runName = `ingest-client-${c}`;
    runIds.push(
      await createRun(client, { experimentId, runName, startTime: baseTime, userId: 'bench', tags: [] }),
    );
  }
  const bodies = runIds.map((runId) =>
    Array.from({ length: settings.requestsPerClient }, (_, r) =>
      logBatchBody(runId, { metrics: requestMetrics(settings, r, baseTime) }),
    ),
  );
  const metricsPerRequest = settings.metricKeys * settings.stepsPerRequest;

  const latencies: number[] = [];
  const failures: FailedRequest[] = [];
  const accepted = runIds.map(() => 0);
  let requestsFailed = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    bodies.map(async (clientBodies, c) => {
      for (const body of clientBodies) {
        const sent = process.hrtime.bigint();
        const response = await client.post(LOG_BATCH, body);
        latencies.push(elapsedMs(sent));
        if (response.status === 200) {
          accepted[c] = (accepted[c] ?? 0) + 1;
        } else {
          requestsFailed++;
          if (failures.length < 5) failures.push({ endpoint: LOG_BATCH, ...response });
        }
      }
    }),
  );
  const seconds = elapsedMs(start) / 1000;
  const metricsAccepted = accepted.reduce((sum, n) => sum + n, 0) * metricsPerRequest;

  return {
    clients: settings.clients,
    requestsPerClient: settings.requestsPerClient,
    metricsPerRequest,
    seconds,
    metricsPerSecond: metricsAccepted / seconds,
    metricsAccepted,
    requestsFailed,
    failures,
    requestLatencyMs: summarize(latencies),
    verification: await verifyStored(client, settings, runIds, accepted),
  };
}

/** Reads every metric history back: each key of each run must hold one point per accepted step. */
async function verifyStored(
  client: HttpClient,
  settings: IngestSettings,
  runIds: string[],
  accepted: number[],
): Promise<IngestResult['verification']> {
  const problems: string[] = [];
  let expected = 0;
  let stored = 0;
  for (const [c, runId] of runIds.entries()) {
    const want = (accepted[c] ?? 0) * settings.stepsPerRequest;
    for (let k = 0; k < settings.metricKeys; k++) {
      const points = await metricHistory(client, runId, `m${k}`);
      const steps = new Set(points.map((p) => Number(p.step)));
      expected += want;
      stored += points.length;
      if (points.length !== want || steps.size !== want) {
        problems.push(`run ${c} key m${k}: ${points.length} points (${steps.size} steps), expected ${want}`);
      }
    }
  }
  return { expected, stored, ok: problems.length === 0, problems: problems.slice(0, 10) };
}
