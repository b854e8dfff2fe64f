import { sql } from 'kysely';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import type { HttpClient } from './http-client.js';
import { runSpec, USER_ID, type PopulateResult } from './run-specs.js';
import { databaseFile, type BenchServer } from './servers.js';
import { elapsedMs } from './stats.js';
import { createRun, logBatch } from './tracking-api.js';

export type MloopPopulateMethod = 'store' | 'rest';

/**
 * Loads the search runs into the mloop server's database. `store` (the default) goes through
 * mloop's own RunService in this process, beside the running server, as populate_mlflow.py goes
 * through MLflow's store: each run is one create and one logBatch, as over REST, but this
 * connection commits without an fsync each time (synchronous=NORMAL; the server keeps FULL),
 * since 200,000 fsyncs alone take many minutes here. `rest` sends the same calls as requests.
 */
export function populateMloop(
  method: MloopPopulateMethod,
  target: { server: BenchServer; client: HttpClient },
  experimentId: string,
  runs: number,
  onProgress: (done: number) => void,
): Promise<PopulateResult> {
  return method === 'store'
    ? populateThroughStore(target.server, experimentId, runs, onProgress)
    : populateThroughRest(target.client, experimentId, runs, onProgress);
}

const PROGRESS_EVERY = 10_000;

async function populateThroughStore(
  server: BenchServer,
  experimentId: string,
  runs: number,
  onProgress: (done: number) => void,
): Promise<PopulateResult> {
  const start = process.hrtime.bigint();
  const config = loadConfig(
    { home: server.dataDir, databaseUrl: `sqlite:${databaseFile('mloop', server.dataDir)}` },
    {},
    server.dataDir,
  );
  const platform = await openPlatform(config);
  try {
    await sql`pragma synchronous = NORMAL`.execute(platform.database.tables());
    const service = platform.tracking.runs;
    for (let index = 0; index < runs; index++) {
      const spec = runSpec(index);
      const run = await service.create({
        experimentId,
        runName: spec.name,
        startTime: spec.startTime,
        userId: USER_ID,
        tags: spec.tags,
      });
      await service.logBatch(run.info.runId, { params: spec.params, metrics: spec.metrics });
      if ((index + 1) % PROGRESS_EVERY === 0) onProgress(index + 1);
      // The store answers synchronously under its promises, so this loop would never let the
      // event loop poll I/O: the servers' output pipes and idle sockets would go unserviced.
      if (index % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await platform.close();
  }
  return {
    runs,
    seconds: elapsedMs(start) / 1000,
    method: "mloop's RunService in-process (create + logBatch per run, synchronous=NORMAL)",
  };
}

const REST_CONCURRENCY = 8;

/** runs/create (with the tags) then runs/log-batch (params and metrics) per run, 8 in flight. */
async function populateThroughRest(
  client: HttpClient,
  experimentId: string,
  runs: number,
  onProgress: (done: number) => void,
): Promise<PopulateResult> {
  const start = process.hrtime.bigint();
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let index = next++; index < runs; index = next++) {
      const spec = runSpec(index);
      const runId = await createRun(client, {
        experimentId,
        runName: spec.name,
        startTime: spec.startTime,
        userId: USER_ID,
        tags: spec.tags,
      });
      await logBatch(client, runId, { params: spec.params, metrics: spec.metrics });
      if (++done % PROGRESS_EVERY === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: REST_CONCURRENCY }, worker));
  return { runs, seconds: elapsedMs(start) / 1000, method: 'REST runs/create + runs/log-batch, 8 in flight' };
}
