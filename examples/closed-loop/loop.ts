/**
 * The closed loop, step by step, as a library: `runClosedLoop` drives a running `mloop server`
 * through the SDK (datasets, registry, gates, deployments, predictions, feedback, alerts), and
 * trains in this process with the runs recorded on the server (`client.training`). Only the
 * retraining pipeline is registered on the server's store directly: its TypeScript steps are code
 * the server will run, which is registered from the server's machine, never sent over HTTP. Each
 * step returns a story event; `main.ts` prints them, the test checks them against what the server
 * recorded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/core/config.js';
import { readPipelineFile } from '../../src/pipelines/load-source.js';
import { platformPipelineService } from '../../src/pipelines/pipeline-services.js';
import type { PipelineRun } from '../../src/pipelines/types.js';
import { openPlatform } from '../../src/platform.js';
import { AlertsClient } from '../../src/sdk/alerts.js';
import { HttpClient } from '../../src/sdk/http.js';
import { MloopClient } from '../../src/sdk/index.js';
import type { StoredGateReport } from '../../src/registry/gates/types.js';
import { parseSearchSpace } from '../../src/training/tuning/search-space.js';
import { tune } from '../../src/training/tuning/tune.js';
import {
  featureColumns,
  generateCustomers,
  requestOf,
  toCsv,
  type Customer,
  type LabelledCustomer,
} from './churn-data.js';
import { retrainPipelineName } from './retrain-pipeline.js';

const retrainPipelinePath = fileURLToPath(new URL('./retrain-pipeline.ts', import.meta.url));

/** A labelled prediction: the model's inputs (no gender: the model never saw it) and the outcome. */
type Labelled = Omit<Customer, 'gender'> & { churned: 'yes' | 'no' };

export interface ClosedLoopOptions {
  /** The running server, e.g. http://127.0.0.1:5050. */
  url: string;
  /** The server's MLOOP_HOME, where the retraining pipeline is registered. */
  home: string;
  /** The server's database when it is not the embedded one in `home` (MLOOP_DATABASE_URL). */
  databaseUrl?: string | undefined;
  /** Where the generated CSV files go. */
  workDir: string;
  /** Where the alert rules post their alerts, if anywhere. */
  webhookUrl?: string | undefined;
  seed?: number;
  /** Told of each step as it happens (the story is also returned). */
  onEvent?: (event: StoryEvent) => void;
}

/** One step of the story: what happened, and where to look at it on the server. */
export interface StoryEvent {
  step: string;
  title: string;
  detail: string;
  links: string[];
  facts: Record<string, unknown>;
}

const model = 'churn';
const deployment = 'churn';

/** Runs every step of the loop in order; throws if a step does not do what it should. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<StoryEvent[]> {
  const { url, workDir } = options;
  const seed = options.seed ?? 7;
  mkdirSync(workDir, { recursive: true });
  const client = new MloopClient({ url });
  const alerts = new AlertsClient(new HttpClient({ url }));
  const story: StoryEvent[] = [];
  const tell = (
    event: Omit<StoryEvent, 'links' | 'facts'> & { links?: string[]; facts?: Record<string, unknown> },
  ) => {
    const full: StoryEvent = {
      facts: {},
      ...event,
      links: (event.links ?? []).map((l) => `${url}${l}`),
    };
    story.push(full);
    options.onEvent?.(full);
  };
  const writeCsv = (name: string, rows: ReadonlyArray<LabelledCustomer | Labelled>) => {
    const path = join(workDir, name);
    writeFileSync(path, toCsv(rows));
    return path;
  };

  // 1. Data: a summer of customers, and a holdout the gates score on.
  const summer = generateCustomers(3000, 'summer', seed);
  const { version: train1 } = await client.datasets.add('churn-train', writeCsv('churn-summer.csv', summer));
  const { version: hold1 } = await client.datasets.add(
    'churn-holdout',
    writeCsv('holdout-summer.csv', generateCustomers(800, 'summer', seed + 1)),
  );
  tell({
    step: 'data',
    title: 'Generated a summer of customers',
    detail: `${summer.length} training rows (churn rate ${rate(summer)}) as churn-train/${train1.version}, 800 holdout rows as churn-holdout/${hold1.version}`,
    links: [`/api/v1/datasets/churn-train/versions/${train1.version}`],
    facts: { train: train1.version, holdout: hold1.version },
  });

  // 2. Train and tune: a small grid over the built-in GBDT, each trial a nested run.
  const experimentId = await client.training.experimentId('churn-closed-loop');
  const tuned = await tune(client.training.services, {
    ...(await client.training.datasetVersion(`churn-train/${train1.version}`)),
    label: 'churned',
    features: [...featureColumns],
    model: 'gbdt',
    space: parseSearchSpace('learning_rate: [0.1, 0.3]\nmax_iter: [40]\nmax_leaf_nodes: [15]'),
    search: 'grid',
    metric: 'roc_auc',
    seed,
    run: { experimentId, runName: 'summer-tuning' },
  });
  tell({
    step: 'train',
    title: 'Trained and tuned a GBDT',
    detail: `${tuned.trials.length} trials, best holdout ROC AUC ${fmt(tuned.best.value)} (${Object.entries(
      tuned.best.params,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
    links: [`/api/v1/runs/${tuned.parentRunId}`],
    facts: { parentRunId: tuned.parentRunId, bestRunId: tuned.best.runId, trials: tuned.trials.length },
  });

  // 3. Register, gate, promote.
  await client.models.create({ name: model, description: 'Churn risk from the closed-loop demo' });
  const v1 = await client.models.createVersion(model, { source: tuned.best.modelSource });
  const gate = gateSpec();
  const report1 = await client.gates.run(model, v1.version, {
    holdout: `churn-holdout/${hold1.version}`,
    gate,
    save: true,
  });
  tell(gateEvent(report1, url));
  if (!report1.passed) throw new Error(`version ${v1.version} failed its gate: ${failures(report1)}`);
  await client.models.setAlias(model, 'production', v1.version, { reason: `gate ${report1.id} passed` });
  tell({
    step: 'promote',
    title: `Promoted ${model}/${v1.version} to production`,
    detail:
      'The alias moved with its reason in the promotion history; protected aliases need a passing gate.',
    links: [`/api/v1/models/${model}/history`],
    facts: { version: v1.version },
  });

  // 4. Deploy and serve summer traffic, with its labels arriving later.
  await client.deployments.create({
    name: deployment,
    model,
    primary: 'production',
    description: 'closed-loop demo',
  });
  const summerTraffic = generateCustomers(150, 'summer', seed + 2);
  const summerIds = await send(client, summerTraffic);
  await attachLabels(client, labelsOf(summerIds, summerTraffic), 'demo:summer');
  // Alert when accuracy falls 6 points under what the gate measured on the holdout.
  const webhook = options.webhookUrl ? { webhookUrl: options.webhookUrl } : {};
  const accuracyBar =
    Math.round(100 * Math.max(0.5, (observed(report1, 'metric:accuracy') ?? 0.8) - 0.06)) / 100;
  await alerts.createRule({
    name: 'churn-drift',
    model: `${model}@production`,
    kind: 'drift_share',
    threshold: 0.3,
    window: '1h',
    reference: `churn-train/${train1.version}`,
    cooldown: '1m',
    description: 'share of drifted columns vs the training data',
    ...webhook,
  });
  await alerts.createRule({
    name: 'churn-accuracy',
    model: `${model}@production`,
    kind: 'metric_below',
    metric: 'accuracy',
    threshold: accuracyBar,
    window: '1h',
    cooldown: '1m',
    description: 'accuracy from delayed labels',
    ...webhook,
  });
  // The retraining pipeline, registered with the server's store: those alerts start it there.
  await registerOnServerStore(options, retrainPipelinePath);
  const quiet = await Promise.all(['churn-drift', 'churn-accuracy'].map((r) => alerts.evaluate(r)));
  tell({
    step: 'serve',
    title: `Deployed and served ${summerTraffic.length} summer requests`,
    detail: `Labels came back for all of them; alert rules on drift (> 30% of columns) and accuracy (< ${fmt(accuracyBar)}) evaluated: ${quiet.map((q) => q.outcome).join(', ')}. Their alerts start the pipeline ${retrainPipelineName}.`,
    links: [
      `/api/v1/deployments/${deployment}`,
      `/api/v1/alert-rules`,
      `/api/v1/pipelines/${retrainPipelineName}`,
    ],
    facts: { predictions: summerIds.length, outcomes: quiet.map((q) => q.outcome) },
  });

  // 5. Winter: the traffic shifts, delayed labels show the model is wrong more often. A
  //    labelled winter holdout arrives too, for the gate of whatever is trained next.
  const winterStart = Date.now();
  const winterTraffic = generateCustomers(600, 'winter', seed + 3);
  const winterIds = await send(client, winterTraffic);
  await attachLabels(client, labelsOf(winterIds, winterTraffic), 'demo:winter');
  const { version: hold2 } = await client.datasets.add(
    'churn-holdout',
    writeCsv('holdout-winter.csv', generateCustomers(800, 'winter', seed + 4)),
  );
  const evaluations = await Promise.all(['churn-drift', 'churn-accuracy'].map((r) => alerts.evaluate(r)));
  const fired = await alerts.listAlerts({});
  if (fired.length === 0)
    throw new Error(`no alert fired after the seasonal shift: ${JSON.stringify(evaluations)}`);
  tell({
    step: 'alert',
    title: `Winter: ${winterTraffic.length} shifted requests, ${fired.length} alert(s) fired`,
    detail: fired.map((a) => `${a.rule}: ${a.message}`).join(' | '),
    links: ['/api/v1/alerts'],
    facts: { rules: fired.map((a) => a.rule), winterPredictions: winterIds.length, holdout: hold2.version },
  });

  // 6. The alert started the retraining pipeline on the server: collect the labelled
  //    predictions as a dataset version, train, register, gate, canary.
  const pipelineRun = await alertTriggeredRun(client);
  const done = await client.pipelines.waitForRun(pipelineRun.id, { timeoutMs: 120_000, pollMs: 250 });
  const outputs = (step: string) =>
    Object.fromEntries(
      Object.entries(done.steps.find((s) => s.step === step)?.outputs ?? {}).map(([k, o]) => [k, o.value]),
    );
  if (done.status !== 'SUCCEEDED') {
    const failed = done.steps.find((s) => s.status === 'FAILED');
    throw new Error(
      `pipeline run ${done.id} ended ${done.status}${failed ? ` at step ${failed.step}: ${failed.error}` : ''}`,
    );
  }
  const collected = outputs('collect');
  const trained = outputs('train');
  const v2 = Number(trained.version);
  tell({
    step: 'retrain',
    title: `Pipeline ${retrainPipelineName} retrained on ${String(collected.rows)} labelled predictions (${String(collected.version)})`,
    detail: `Started by the ${String(done.trigger.detail.rule)} alert; steps ${done.steps
      .map((s) => `${s.step} ${s.status.toLowerCase()}`)
      .join(', ')}; registered as ${model}/${v2}.`,
    links: [
      `/api/v1/pipeline-runs/${done.id}`,
      `/api/v1/runs/${String(trained.runId)}`,
      `/api/v1/models/${model}/versions/${v2}`,
    ],
    facts: {
      pipelineRunId: done.id,
      trigger: done.trigger,
      runId: trained.runId,
      version: v2,
      dataset: collected.version,
    },
  });

  // 7. The gate the pipeline ran: the new version on the winter holdout, against production.
  const report2 = (await client.gates.reports(model, v2)).find((r) => r.id === outputs('gate').report);
  if (!report2) throw new Error(`pipeline run ${done.id} stored no gate report on ${model}/${v2}`);
  tell(gateEvent(report2, url));

  // 8. The pipeline's last step made it a canary; the rollout promotes it once it holds up.
  tell({
    step: 'canary',
    title: `Canary: ${model}/${v2} takes 25% of the traffic`,
    detail: 'The rollout widens it when the canary has answered enough requests within its error bound.',
    links: [`/api/v1/deployments/${deployment}/events`],
    facts: { version: v2 },
  });
  const rolled = await driveRollout(client, seed + 5);
  const production = await client.models.getVersionByAlias(model, 'production');
  if (rolled.status !== 'completed' || production.version !== v2) {
    throw new Error(`the rollout ended ${rolled.status}; production is version ${production.version}`);
  }
  tell({
    step: 'promoted',
    title: `Promoted: production is now ${model}/${v2}`,
    detail: 'The completed rollout moved the production alias; the history names the rollout and why.',
    links: [`/api/v1/models/${model}/history`, `/api/v1/deployments/${deployment}/events`],
    facts: { version: v2 },
  });

  // 10. The rollout traffic's labels come back: both versions judged on the same winter.
  await attachLabels(client, labelsOf(rolled.ids, rolled.customers), 'demo:rollout');
  const winter = await client.feedback.performance(model, { from: winterStart });
  const accuracy = Object.fromEntries(
    winter.overall.map((g) => [String(g.version), g.classification?.accuracy ?? NaN]),
  );
  if (!(accuracy[String(v2)]! > accuracy['1']!))
    throw new Error(
      `version ${v2} is not more accurate than version 1 on winter: ${JSON.stringify(accuracy)}`,
    );
  tell({
    step: 'recovered',
    title: `Winter accuracy from delayed labels: ${model}/${v2} ${fmt(accuracy[String(v2)]!)} vs ${model}/1 ${fmt(accuracy['1']!)}`,
    detail: `Labels for the rollout's ${rolled.ids.length} requests came back; accuracy is measured per version over every labelled winter prediction.`,
    links: [`/api/v1/models/${model}/performance?from=${winterStart}`, '/monitoring?model=churn'],
    facts: { accuracy },
  });
  return story;
}

/**
 * Registers a TypeScript pipeline file on the server's store (what `mloop pipelines register` does
 * on the server's machine): the server's database, read from the same settings the server reads,
 * not the embedded file in `home` when the server runs on PostgreSQL.
 */
async function registerOnServerStore(
  server: Pick<ClosedLoopOptions, 'home' | 'databaseUrl'>,
  path: string,
): Promise<void> {
  const pipeline = await readPipelineFile(path);
  const { home, databaseUrl } = server;
  const platform = await openPlatform(loadConfig({ home, ...(databaseUrl ? { databaseUrl } : {}) }));
  try {
    await platformPipelineService(platform).register(pipeline.definition, pipeline.source);
  } finally {
    await platform.close();
  }
}

/** The gate each version is held to. */
export function gateSpec(): Record<string, unknown> {
  return {
    label: 'churned',
    metrics: { auc: { min: 0.75 }, accuracy: { min: 0.7 } },
    compare_to: { alias: 'production', max_regression: 0.01 },
    slices: { column: 'region', metrics: { accuracy: { min: 0.6 } } },
    fairness: { column: 'gender', metric: 'positive_rate', max_gap: 0.1 },
    // Generous: single records take well under a millisecond, but the demo shares 2 busy cores.
    latency: { p99_ms: 50, sample: 200 },
  };
}

/** Scores customers through the deployment in batches; returns each prediction's id. */
async function send(client: MloopClient, customers: LabelledCustomer[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < customers.length; i += 25) {
    const answer = await client.deployments.predict(deployment, customers.slice(i, i + 25).map(requestOf));
    ids.push(...answer.predictions.map((p) => p.id));
  }
  return ids;
}

/**
 * Attaches labels, waiting a moment for predictions not written yet: behind a load balancer the
 * labels may reach a server before the one that answered has written its predictions (it does
 * within its log's flush interval).
 */
async function attachLabels(
  client: MloopClient,
  labels: ReturnType<typeof labelsOf>,
  source: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.feedback.attach(labels, { source });
      return;
    } catch (error) {
      if (Date.now() > deadline || !/no prediction with id/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function labelsOf(ids: string[], customers: LabelledCustomer[]) {
  return ids.map((predictionId, i) => ({ predictionId, label: (customers[i] as LabelledCustomer).churned }));
}

/** The run of the retraining pipeline an alert started (the server starts it as the alert fires). */
async function alertTriggeredRun(client: MloopClient): Promise<PipelineRun> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const run = (await client.pipelines.listRuns(retrainPipelineName)).find(
      (r) => r.trigger.kind === 'alert',
    );
    if (run) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the alert did not start the pipeline ${retrainPipelineName} within 30 s`);
}

/** Sends winter traffic until the rollout ends (the server's ticker judges it); its final status and what was sent. */
async function driveRollout(
  client: MloopClient,
  seed: number,
): Promise<{ status: string; customers: LabelledCustomer[]; ids: string[] }> {
  const deadline = Date.now() + 60_000;
  const customers: LabelledCustomer[] = [];
  const ids: string[] = [];
  let round = 0;
  while (Date.now() < deadline) {
    const batch = generateCustomers(50, 'winter', seed + round++);
    ids.push(...(await send(client, batch)));
    customers.push(...batch);
    const status = (await client.deployments.get(deployment)).rollout?.status ?? 'none';
    if (status !== 'running') return { status, customers, ids };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { status: 'timed out', customers, ids };
}

function gateEvent(report: StoredGateReport, url: string): Omit<StoryEvent, 'links'> & { links: string[] } {
  const base = report.baseline ? ` vs production (version ${report.baseline.version})` : '';
  return {
    step: 'gate',
    title: `Gate ${report.passed ? 'passed' : 'FAILED'} for ${report.name}/${report.version}${base}`,
    detail: report.checks
      .filter((c) => !c.name.startsWith('slice:') || !c.passed)
      .map((c) => `${c.passed ? '✓' : '✗'} ${c.reason}`)
      .slice(0, 6)
      .join('; '),
    links: [`/api/v1/models/${report.name}/versions/${report.version}/gate-reports`],
    facts: { version: report.version, passed: report.passed, reportId: report.id, url },
  };
}

function observed(report: StoredGateReport, name: string): number | undefined {
  return report.checks.find((c) => c.name === name)?.observed;
}

function failures(report: StoredGateReport): string {
  return report.checks
    .filter((c) => !c.passed)
    .map((c) => `${c.name}: ${c.reason}`)
    .join('; ');
}

function rate(rows: LabelledCustomer[]): string {
  return `${Math.round((100 * rows.filter((r) => r.churned === 'yes').length) / rows.length)}%`;
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : 'n/a';
}
