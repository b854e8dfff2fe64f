import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

async function post(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function createRun(url: string, experimentId: string): Promise<string> {
  const { json } = await post(url, '/api/2.0/mlflow/runs/create', {
    experiment_id: experimentId,
    start_time: Date.now(),
  });
  return (json.run as { info: { run_id: string } }).info.run_id;
}

async function historyLength(url: string, runId: string, key: string): Promise<number> {
  const response = await fetch(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${key}`);
  const json = (await response.json()) as { metrics?: unknown[] };
  return json.metrics?.length ?? 0;
}

describe('durability under crashes and concurrency', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
  });

  it('keeps every acknowledged write when the server is killed with SIGKILL mid-stream', async () => {
    const home = tempDir('mloop-crash-');
    const first = await startServer({ home });
    servers.push(first);
    const { json } = await post(first.url, '/api/2.0/mlflow/experiments/create', { name: 'crash' });
    const experimentId = json.experiment_id as string;
    const runs = await Promise.all(Array.from({ length: 4 }, () => createRun(first.url, experimentId)));

    // Four writers log batches as fast as they can; each remembers the steps the server acknowledged.
    const acknowledged = new Map<string, number[]>(runs.map((r) => [r, []]));
    let stop = false;
    const writers = runs.map(async (runId) => {
      for (let batch = 0; !stop && batch < 10_000; batch++) {
        const metrics = Array.from({ length: 20 }, (_, i) => ({
          key: 'loss',
          value: Math.random(),
          timestamp: Date.now(),
          step: batch * 20 + i,
        }));
        try {
          const { status } = await post(first.url, '/api/2.0/mlflow/runs/log-batch', {
            run_id: runId,
            metrics,
          });
          if (status === 200) acknowledged.get(runId)?.push(batch);
        } catch {
          return; // the connection died with the server: this batch was never acknowledged
        }
      }
    });
    const deadline = Date.now() + 20_000;
    while ([...acknowledged.values()].reduce((n, a) => n + a.length, 0) < 200 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await first.kill9();
    stop = true;
    await Promise.all(writers);
    const acked = [...acknowledged.values()].reduce((n, a) => n + a.length, 0);
    expect(acked).toBeGreaterThanOrEqual(200);

    const second = await startServer({ home });
    servers.push(second);
    for (const [runId, batches] of acknowledged) {
      // Every acknowledged batch is there; at most the one in flight at the kill may also be.
      const stored = await historyLength(second.url, runId, 'loss');
      expect(stored).toBeGreaterThanOrEqual(batches.length * 20);
      expect(stored).toBeLessThanOrEqual((batches.length + 1) * 20);
    }
    await second.stop();
  });

  it('loses and duplicates nothing with 32 clients logging at once', async () => {
    const server = await startServer();
    servers.push(server);
    const { json } = await post(server.url, '/api/2.0/mlflow/experiments/create', { name: 'concurrency' });
    const experimentId = json.experiment_id as string;
    const shared = await createRun(server.url, experimentId);
    const clients = 32;
    const batchesPerClient = 10;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const own = await createRun(server.url, experimentId);
        for (let b = 0; b < batchesPerClient; b++) {
          const metrics = Array.from({ length: 50 }, (_, i) => ({
            key: 'm',
            value: i,
            timestamp: 1_000 + b,
            step: b * 50 + i,
          }));
          for (const runId of [own, shared]) {
            const body =
              runId === shared
                ? { run_id: runId, metrics: metrics.map((m) => ({ ...m, key: `client_${c}` })) }
                : { run_id: runId, metrics };
            const { status, json: answer } = await post(server.url, '/api/2.0/mlflow/runs/log-batch', body);
            if (status !== 200) failures.push(`${status} ${JSON.stringify(answer)}`);
          }
        }
        expect(await historyLength(server.url, own, 'm')).toBe(batchesPerClient * 50);
      }),
    );
    expect(failures).toEqual([]);
    for (let c = 0; c < clients; c++)
      expect(await historyLength(server.url, shared, `client_${c}`)).toBe(batchesPerClient * 50);
  });
});
