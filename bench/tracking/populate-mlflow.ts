import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSpec, USER_ID, type PopulateResult } from './run-specs.js';
import { mlflowDatabaseUri, type BenchServer } from './servers.js';
import { elapsedMs } from './stats.js';

const POPULATE_SCRIPT = fileURLToPath(new URL('./populate_mlflow.py', import.meta.url));

/**
 * Loads the same runs into the MLflow server's SQLite database with MLflow's own store and table
 * definitions (populate_mlflow.py), streaming the run specs to it on stdin.
 */
export async function populateMlflow(
  server: BenchServer,
  python: string,
  experimentId: string,
  runs: number,
): Promise<PopulateResult> {
  const start = process.hrtime.bigint();
  const child = spawn(
    python,
    [
      POPULATE_SCRIPT,
      '--db-uri',
      mlflowDatabaseUri(server.dataDir),
      '--artifact-root',
      join(server.dataDir, 'artifacts'),
      '--experiment-id',
      experimentId,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A child that fails early closes its stdin (EPIPE); its exit code and stderr tell why.
  child.stdin.on('error', () => undefined);
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;

  for (let index = 0; index < runs; index++) {
    const spec = runSpec(index);
    const line = JSON.stringify({
      name: spec.name,
      start_time: spec.startTime,
      user_id: USER_ID,
      tags: spec.tags.map((t) => [t.key, t.value]),
      params: spec.params.map((p) => [p.key, p.value]),
      metrics: spec.metrics.map((m) => [m.key, m.value, m.timestamp, m.step]),
    });
    if (!child.stdin.write(`${line}\n`)) {
      // Back-pressure; a child that died never drains, so also give up when it closes.
      await Promise.race([once(child.stdin, 'drain'), exited]);
      if (child.exitCode !== null) break;
    }
  }
  child.stdin.end();
  const [code] = await exited;
  if (code !== 0) {
    throw new Error(`populate_mlflow.py exited with ${code}:\n${stderr.slice(-3000)}`);
  }
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { runs?: number };
  if (report.runs !== runs) throw new Error(`populate_mlflow.py stored ${report.runs} runs, not ${runs}`);
  return {
    runs,
    seconds: elapsedMs(start) / 1000,
    method: "bulk insert through MLflow's SqlAlchemyStore tables (server running)",
  };
}
