/**
 * The closed loop, step by step, as a library: `runClosedLoop` drives a running `mloop server`
 * through the SDK (datasets, registry, gates, deployments, predictions, feedback, alerts) and
 * trains in this process on the same embedded store (training has no HTTP route: `mloop train`
 * also runs in-process). Each step returns a story event; `main.ts` prints them, the test checks
 * them against what the server recorded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { isMloopError } from '../../src/core/errors.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { AlertsClient } from '../../src/sdk/alerts.js';
import { HttpClient } from '../../src/sdk/http.js';
import { MloopClient } from '../../src/sdk/index.js';
import type { StoredGateReport } from '../../src/registry/gates/types.js';
import { datasetVersionInput } from '../../src/tracking/dataset-version-input.js';
import { train, type TrainResult } from '../../src/training/trainer.js';
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

/** A labelled prediction: the model's inputs (no gender: the model never saw it) and the outcome. */
type Labelled = Omit<Customer, 'gender'> & { churned: 'yes' | 'no' };

export interface ClosedLoopOptions {
  /** The running server, e.g. http://127.0.0.1:5050. */
  url: string;
  /** The server's MLOOP_HOME: training writes runs and model files to the same embedded store. */
  home: string;
  /** Where the generated CSV files go. */
  workDir: string;
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

  const platform = await openPlatform(loadConfig({ home: options.home }, {}));
  try {
    // 2. Train and tune: a small grid over the built-in GBDT, each trial a nested run.
    const experimentId = await experiment(platform, 'churn-closed-loop');
    const tuned = await tune(services(platform), {
      ...(await trainingData(platform, `churn-train/${train1.version}`)),
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
    await client.feedback.attach(labelsOf(summerIds, summerTraffic), { source: 'demo:summer' });
    // Alert when accuracy falls 6 points under what the gate measured on the holdout.
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
    });
    const quiet = await Promise.all(['churn-drift', 'churn-accuracy'].map((r) => alerts.evaluate(r)));
    tell({
      step: 'serve',
      title: `Deployed and served ${summerTraffic.length} summer requests`,
      detail: `Labels came back for all of them; alert rules on drift (> 30% of columns) and accuracy (< ${fmt(accuracyBar)}) evaluated: ${quiet.map((q) => q.outcome).join(', ')}.`,
      links: [`/api/v1/deployments/${deployment}`, `/api/v1/alert-rules`],
      facts: { predictions: summerIds.length, outcomes: quiet.map((q) => q.outcome) },
    });

    // 5. Winter: the traffic shifts, delayed labels show the model is wrong more often.
    const winterTraffic = generateCustomers(600, 'winter', seed + 3);
    const winterIds = await send(client, winterTraffic);
    await client.feedback.attach(labelsOf(winterIds, winterTraffic), { source: 'demo:winter' });
    const evaluations = await Promise.all(['churn-drift', 'churn-accuracy'].map((r) => alerts.evaluate(r)));
    const fired = await alerts.listAlerts({});
    if (fired.length === 0)
      throw new Error(`no alert fired after the seasonal shift: ${JSON.stringify(evaluations)}`);
    tell({
      step: 'alert',
      title: `Winter: ${winterTraffic.length} shifted requests, ${fired.length} alert(s) fired`,
      detail: fired.map((a) => `${a.rule}: ${a.message}`).join(' | '),
      links: ['/api/v1/alerts'],
      facts: { rules: fired.map((a) => a.rule), winterPredictions: winterIds.length },
    });

    // 6. Retrain on the labelled predictions. Pipelines have no alert trigger yet, so the loop
    //    reacts to the alert itself: export what feedback labelled, add it as a dataset version, train.
    const labelled = await labelledRows(client);
    const { version: train2 } = await client.datasets.add(
      'churn-train',
      writeCsv('churn-labelled.csv', labelled),
    );
    const retrained: TrainResult = await train(services(platform), {
      ...(await trainingData(platform, `churn-train/${train2.version}`)),
      label: 'churned',
      features: [...featureColumns],
      model: 'gbdt',
      params: { ...tuned.best.params },
      seed,
      run: {
        experimentId,
        runName: 'retrain-after-alert',
        tags: [{ key: 'mloop.trigger', value: fired.map((a) => a.id).join(',') }],
      },
    });
    const v2 = await client.models.createVersion(model, { source: retrained.modelSource });
    tell({
      step: 'retrain',
      title: `Retrained on ${labelled.length} labelled predictions (churn-train/${train2.version})`,
      detail: `Triggered by the alert directly (no pipeline alert trigger yet); holdout ROC AUC ${fmt(retrained.metrics.roc_auc ?? NaN)}; registered as ${model}/${v2.version}.`,
      links: [`/api/v1/runs/${retrained.runId}`, `/api/v1/models/${model}/versions/${v2.version}`],
      facts: { runId: retrained.runId, version: v2.version, dataset: train2.version },
    });

    // 7. The new version's gate, on a winter holdout, against production.
    const { version: hold2 } = await client.datasets.add(
      'churn-holdout',
      writeCsv('holdout-winter.csv', generateCustomers(800, 'winter', seed + 4)),
    );
    const report2 = await client.gates.run(model, v2.version, { holdout: `churn-holdout/${hold2.version}` });
    tell(gateEvent(report2, url));
    if (!report2.passed) throw new Error(`version ${v2.version} failed its gate: ${failures(report2)}`);

    // 8. Canary, then promotion by the rollout once the canary holds up.
    await client.deployments.setCandidate(deployment, {
      version: String(v2.version),
      mode: 'canary',
      percent: 25,
      reason: `gate ${report2.id} passed`,
    });
    await client.deployments.startRollout(deployment, {
      steps: [25, 100],
      minRequests: 10,
      minDurationMs: 0,
      reason: 'winter retrain',
    });
    tell({
      step: 'canary',
      title: `Canary: ${model}/${v2.version} takes 25% of the traffic`,
      detail: 'The rollout widens it when the canary has answered enough requests within its error bound.',
      links: [`/api/v1/deployments/${deployment}/events`],
      facts: { version: v2.version },
    });
    const rolled = await driveRollout(client, seed + 5);
    const production = await client.models.getVersionByAlias(model, 'production');
    if (rolled !== 'completed' || production.version !== v2.version) {
      throw new Error(`the rollout ended ${rolled}; production is version ${production.version}`);
    }
    tell({
      step: 'promoted',
      title: `Promoted: production is now ${model}/${v2.version}`,
      detail: 'The completed rollout moved the production alias; the history names the rollout and why.',
      links: [`/api/v1/models/${model}/history`, `/api/v1/deployments/${deployment}/events`],
      facts: { version: v2.version },
    });
    return story;
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

function services(platform: Platform) {
  return { runs: platform.tracking.runs, artifacts: platform.tracking.artifacts, clock: platform.clock };
}

async function experiment(platform: Platform, name: string): Promise<string> {
  try {
    return await platform.tracking.experiments.create({ name });
  } catch (error) {
    if (isMloopError(error) && error.code === 'RESOURCE_ALREADY_EXISTS')
      return (await platform.tracking.experiments.getByName(name)).experimentId;
    throw error;
  }
}

/** A dataset version as training reads it, with the version named in the run's lineage. */
async function trainingData(platform: Platform, ref: string) {
  const { version, path } = await platform.data.datasets.localPath(ref);
  const input = datasetVersionInput(version);
  return {
    data: path,
    dataset: {
      name: input.dataset.name,
      digest: input.dataset.digest,
      source: input.dataset.source,
      sourceType: 'mloop',
    },
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

function labelsOf(ids: string[], customers: LabelledCustomer[]) {
  return ids.map((predictionId, i) => ({ predictionId, label: (customers[i] as LabelledCustomer).churned }));
}

/** Every labelled prediction of the model, back as customers with their outcome. */
async function labelledRows(client: MloopClient): Promise<Labelled[]> {
  const rows: Labelled[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.feedback.labelledPredictions(model, {
      maxResults: 1000,
      ...(pageToken ? { pageToken } : {}),
    });
    for (const p of page.items)
      rows.push({ ...(p.inputs as unknown as Customer), churned: p.label as 'yes' | 'no' });
    pageToken = page.nextPageToken;
  } while (pageToken);
  return rows;
}

/** Sends winter traffic until the rollout ends (the server's ticker judges it); its final status. */
async function driveRollout(client: MloopClient, seed: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  let round = 0;
  while (Date.now() < deadline) {
    await send(client, generateCustomers(50, 'winter', seed + round++));
    const status = (await client.deployments.get(deployment)).rollout?.status ?? 'none';
    if (status !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'timed out';
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
