import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLocalAdminToken } from '../../src/governance/local-admin-token.js';
import { runMloop } from '../helpers/cli.js';

/** What the dashboard tests look for, created by fillHome and fillServer. */
export interface DashboardFixture {
  sweepExperimentId: string;
  sweepRunIds: string[];
  trainRunId: string;
  predictionId: string;
  pipelineRunId: string;
}

async function mloop(home: string, args: string[]): Promise<string> {
  const result = await runMloop(home, args);
  if (result.code !== 0) throw new Error(`mloop ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * The embedded store before the server starts, through the CLI as a user would: a dataset with two
 * versions, and a classifier trained on the second and registered (so its lineage names both).
 */
export async function fillHome(home: string): Promise<void> {
  const rows = (n: number, shift: number) =>
    Array.from({ length: n }, (_, i) => {
      const x1 = ((i * 37) % 100) / 10 + shift;
      const x2 = ((i * 53) % 100) / 10;
      return `${x1},${x2},${x1 + x2 > 10 ? 'yes' : 'no'}`;
    });
  writeFileSync(join(home, 'v1.csv'), ['x1,x2,label', ...rows(80, 0)].join('\n') + '\n');
  writeFileSync(join(home, 'v2.csv'), ['x1,x2,label', ...rows(120, 0.5)].join('\n') + '\n');
  await mloop(home, ['data', 'add', 'customers', join(home, 'v1.csv'), '--json']);
  await mloop(home, ['data', 'add', 'customers', join(home, 'v2.csv'), '--json']);
  await mloop(home, [
    'train',
    '--data',
    'customers/2',
    '--label',
    'label',
    '--model',
    'logistic',
    '--experiment',
    'churn',
    '--register',
    'churn',
    '--json',
  ]);
}

async function call<T>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/**
 * Through the running server's API: a sweep of runs with metric histories, an alias, a deployment
 * and predictions scored through it, a label for one of them, and an alert rule.
 */
export async function fillServer(url: string, home: string): Promise<DashboardFixture> {
  const { experimentId } = await call<{ experimentId: string }>(url, 'POST', '/api/v1/experiments', {
    name: 'sweep',
  });
  const sweepRunIds: string[] = [];
  for (let i = 0; i < 6; i++) {
    const lr = [0.3, 0.1, 0.03][i % 3] as number;
    const depth = i < 3 ? 3 : 6;
    const run = await call<{ info: { runId: string } }>(url, 'POST', '/api/v1/runs', {
      experimentId,
      runName: `trial-${i}`,
    });
    const id = run.info.runId;
    const losses = Array.from({ length: 20 }, (_, step) => ({
      key: 'loss',
      value: 1 / (1 + lr * depth * step),
      step,
      timestamp: 1_700_000_000_000 + step,
    }));
    await call(url, 'POST', `/api/v1/runs/${id}/log`, {
      params: [
        { key: 'lr', value: String(lr) },
        { key: 'depth', value: String(depth) },
      ],
      metrics: [...losses, { key: 'accuracy', value: 0.7 + i * 0.04, step: 0, timestamp: 1_700_000_000_100 }],
    });
    await call(url, 'PATCH', `/api/v1/runs/${id}`, { status: 'FINISHED', endTime: 1_700_000_060_000 });
    sweepRunIds.push(id);
  }

  const version = await call<{ runId: string }>(url, 'GET', '/api/v1/models/churn/versions/1');
  await call(url, 'PUT', '/api/v1/models/churn/aliases/production', { version: 1 });
  await call(url, 'POST', '/api/v1/deployments', {
    name: 'churn-live',
    model: 'churn',
    primary: 'production',
  });
  const scored = await call<{ predictions: { id: string }[] }>(
    url,
    'POST',
    '/api/v1/deployments/churn-live/predict',
    {
      records: [
        { x1: 1, x2: 2 },
        { x1: 8, x2: 7 },
        { x1: 5, x2: 5 },
      ],
    },
  );
  const predictionId = scored.predictions[0]?.id as string;
  await call(url, 'POST', '/api/v1/feedback', { labels: [{ prediction_id: predictionId, label: 'no' }] });
  const pipelineRunId = await runPipeline(url, readLocalAdminToken(home));
  return {
    sweepExperimentId: experimentId,
    sweepRunIds,
    trainRunId: version.runId,
    predictionId,
    pipelineRunId,
  };
}

const pipelineYaml = `name: nightly
steps:
  prepare:
    command: echo preparing rows
  train:
    needs: [prepare]
    command: echo training model
  report:
    needs: [train]
    command: echo writing report
`;

/** A three-step pipeline, registered from YAML and run to the end (as the server's own admin). */
async function runPipeline(url: string, token: string | undefined): Promise<string> {
  await call(url, 'POST', '/api/v1/pipelines', { yaml: pipelineYaml }, token);
  const run = await call<{ id: string }>(url, 'POST', '/api/v1/pipelines/nightly/runs', {}, token);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = await call<{ status: string; endTime?: number }>(
      url,
      'GET',
      `/api/v1/pipeline-runs/${run.id}`,
    );
    if (current.endTime !== undefined) return run.id;
    if (Date.now() > deadline) throw new Error(`pipeline run ${run.id} still ${current.status} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
