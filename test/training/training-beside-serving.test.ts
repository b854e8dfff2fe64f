import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { LOCAL_ADMIN_TOKEN_FILE } from '../../src/governance/local-admin-token.js';
import { readPipelineFile } from '../../src/pipelines/load-source.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import { openPlatform } from '../../src/platform.js';
import { eventually, until } from '../helpers/poll.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { modelWithVersions } from '../registry/model-factories.js';

const PIPELINE = fileURLToPath(new URL('./fixtures/gbdt-pipeline.ts', import.meta.url));
const connections = 4;

function p99(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

// mloop server runs a pipeline's TypeScript step in a child process: a 200,000-row GBDT trained
// there must not slow /predict on the same server past three times its unloaded p99.
describe('training in a pipeline step beside serving', () => {
  let server: ServerProcess;
  let model: string;
  let authorization: string;

  beforeAll(async () => {
    const home = tempDir('mloop-train-serve-');
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    try {
      model = await modelWithVersions(platform, 1);
      const { definition, source } = await readPipelineFile(PIPELINE);
      await platformPipelineService(platform).register(definition, source);
    } finally {
      await platform.close();
    }
    server = await startServer({ home });
    authorization = `Bearer ${readFileSync(join(home, LOCAL_ADMIN_TOKEN_FILE), 'utf8').trim()}`;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** /predict latencies (ms) over `connections` keep-alive clients until `done()` says stop. */
  async function load(done: () => boolean): Promise<number[]> {
    const latencies: number[] = [];
    const client = async () => {
      while (!done()) {
        const sent = performance.now();
        const response = await fetch(`${server.url}/api/v1/serving/${model}/predict?version=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ records: [{ a: 1, b: 2 }] }),
        });
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        latencies.push(performance.now() - sent);
      }
    };
    await Promise.all(Array.from({ length: connections }, client));
    return latencies;
  }

  async function trainStep(runId: string) {
    const response = await fetch(`${server.url}/api/v1/pipeline-runs/${runId}`, {
      headers: { authorization },
    });
    const run = (await response.json()) as {
      steps: Array<{ step: string; status: string; outputs: Record<string, { value?: unknown }> }>;
    };
    return run.steps.find((s) => s.step === 'train');
  }
  const stepStatus = async (runId: string) => (await trainStep(runId))?.status;

  it('keeps /predict p99 within 3x of its unloaded p99 while a 200,000-row GBDT trains', async () => {
    // Warm up (model load, JIT), then the unloaded baseline.
    let sent = 0;
    await load(() => sent++ >= 400);
    let count = 0;
    const unloaded = await load(() => count++ >= 3000);

    const started = await fetch(`${server.url}/api/v1/pipelines/train-gbdt/runs`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ params: { rows: 200_000 } }),
    });
    expect(started.status).toBe(201);
    const runId = ((await started.json()) as { id: string }).id;
    await until(async () => (await stepStatus(runId)) === 'RUNNING', {
      what: 'the train step',
      timeoutMs: 30_000,
    });

    // Load for as long as the step trains; its status is read beside the load.
    let training = true;
    const watcher = eventually(
      async () => {
        const status = await stepStatus(runId);
        if (status === 'RUNNING') return undefined;
        training = false;
        return status;
      },
      { what: 'the train step to finish', timeoutMs: 300_000, intervalMs: 250 },
    );
    const loaded = await load(() => !training);
    expect(await watcher).toBe('SUCCEEDED');
    // The step ran below the server's priority, so on few cores serving is scheduled first.
    const niceness = Number((await trainStep(runId))?.outputs.niceness?.value);
    expect(niceness).toBeGreaterThan(getPriority(server.child.pid));

    const figures = { unloadedP99: p99(unloaded), loadedP99: p99(loaded), loadedRequests: loaded.length };
    console.log(`/predict beside training: ${JSON.stringify(figures)}`);
    expect(loaded.length).toBeGreaterThan(500);
    expect(figures.loadedP99).toBeLessThanOrEqual(3 * figures.unloadedP99);
  }, 400_000);
});
