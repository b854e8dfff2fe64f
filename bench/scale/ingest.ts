import type { HttpClient } from '../tracking/http-client.js';
import { elapsedMs, summarize, type LatencySummary } from '../tracking/stats.js';
import { ApiError, createExperiment, createRun, LOG_BATCH, logBatchBody } from '../tracking/tracking-api.js';
import { countMatches } from '../tracking/search.js';
import type { ScaleBenchConfig } from './config.js';
import { BASE_TIME, METRICS, metricValue, PARAMS, paramValue, runName, sweepTag } from './workload.js';

export interface RunIngestResult {
  runs: number;
  clients: number;
  seconds: number;
  runsPerSecond: number;
  /** Metrics logged per second (10 per run, in the run's one log-batch). */
  metricsPerSecond: number;
  /** One run's two requests: runs/create, then log-batch with its metrics, params and tags. */
  runLatencyMs: LatencySummary;
  /** Runs the server lists in the experiment afterwards (must equal `runs`). */
  stored: number;
}

/**
 * REST ingest of runs shaped like the loaded ones: `clients` concurrent clients, each creating runs
 * one after another (runs/create, then one log-batch of 10 metrics, 10 params and 2 tags), in a
 * fresh experiment of a server already holding the big one, so its indexes are the loaded size.
 */
export async function ingestRuns(
  client: HttpClient,
  settings: ScaleBenchConfig['ingest'],
): Promise<RunIngestResult> {
  const experimentId = await createExperiment(client, 'scale-ingest');
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: settings.clients }, async () => {
      for (let index = next++; index < settings.runs; index = next++) {
        const startTime = BASE_TIME + index * 1000;
        const body = logBatchBody('', {
          metrics: Array.from({ length: METRICS }, (_, k) => ({
            key: `m${k}`,
            value: metricValue(index, k),
            timestamp: startTime + 500,
            step: 0,
          })),
          params: Array.from({ length: PARAMS }, (_, k) => ({ key: `p${k}`, value: paramValue(index, k) })),
          tags: [
            { key: 'team', value: `team-${index % 7}` },
            { key: 'sweep', value: sweepTag(index) },
          ],
        });
        const sent = process.hrtime.bigint();
        const runId = await createRun(client, {
          experimentId,
          runName: runName(index),
          startTime,
          userId: 'bench',
          tags: [],
        });
        const response = await client.post(LOG_BATCH, body.replace('"run_id":""', `"run_id":"${runId}"`));
        if (response.status !== 200) throw new ApiError(LOG_BATCH, response);
        latencies.push(elapsedMs(sent));
      }
    }),
  );
  const seconds = elapsedMs(start) / 1000;
  return {
    runs: settings.runs,
    clients: settings.clients,
    seconds,
    runsPerSecond: settings.runs / seconds,
    metricsPerSecond: (settings.runs * METRICS) / seconds,
    runLatencyMs: summarize(latencies),
    stored: await countMatches(client, experimentId, ''),
  };
}
