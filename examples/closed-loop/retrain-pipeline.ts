/**
 * The retraining pipeline of the closed-loop demo: when the drift or accuracy alert fires, the
 * server that raised it runs this pipeline. It collects the predictions feedback has labelled as a new version
 * of the training dataset, trains the built-in GBDT on it, registers the model, holds it to the
 * model's gate on the newest holdout and, when it passes, sends it out as a canary with a rollout.
 *
 * Steps talk to the server that runs them (MLOOP_SERVER_URL) through the SDK, so they run as well on
 * `mloop worker` machines: the train step fits the model where it runs and records the run and the
 * model package on the server. Each step is a tracked run, and the training run is tagged with the
 * pipeline run that made it.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '../../src/pipelines/definition.js';
import { pipelineRunTag } from '../../src/pipelines/runner.js';
import type { StoredGateReport } from '../../src/registry/gates/types.js';
import { MloopClient } from '../../src/sdk/index.js';
import { gitSourceTags } from '../../src/tracking/git-source.js';
import { featureColumns, toCsv, type Customer, type LabelledCustomer } from './churn-data.js';

export const retrainPipelineName = 'churn-retrain';
/** Alerts of these rules start this pipeline (one run at a time, however many fire together). */
export const retrainAlertRules = ['churn-drift', 'churn-accuracy'];

function server(): MloopClient {
  const url = process.env.MLOOP_SERVER_URL;
  if (!url) throw new Error('MLOOP_SERVER_URL is not set: run this pipeline from `mloop server`');
  return new MloopClient({ url });
}

const str = (value: unknown) => String(value);

export default pipeline(retrainPipelineName)
  .description('Retrain the churn model on labelled predictions when its drift or accuracy alert fires')
  .param('model', 'churn')
  .param('deployment', 'churn')
  .param('dataset', 'churn-train')
  .param('holdout', 'churn-holdout')
  .param('experiment', 'churn-closed-loop')
  .param('learning_rate', 0.1)
  .param('max_iter', 40)
  .param('max_leaf_nodes', 15)
  .param('seed', 7)
  .triggers({ alerts: retrainAlertRules.map((rule) => ({ rule })) })
  .step('collect', {
    params: ['model', 'dataset'],
    outputs: { data: 'dataset', version: 'value', rows: 'value' },
    // New labels arrive between runs: always read them again.
    cache: false,
    run: async (ctx) => {
      const client = server();
      // The log holds the model's inputs: no gender, which the model never sees.
      const rows: Omit<LabelledCustomer, 'gender'>[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.feedback.labelledPredictions(str(ctx.params.model), {
          maxResults: 1000,
          ...(pageToken ? { pageToken } : {}),
        });
        for (const p of page.items)
          rows.push({
            ...(p.inputs as unknown as Omit<Customer, 'gender'>),
            churned: p.label as LabelledCustomer['churned'],
          });
        pageToken = page.nextPageToken;
      } while (pageToken);
      if (rows.length === 0) throw new Error(`no labelled predictions of ${str(ctx.params.model)} yet`);
      writeFileSync(ctx.outputPath('data'), toCsv(rows));
      const { version } = await client.datasets.add(str(ctx.params.dataset), ctx.outputPath('data'), {
        format: 'csv',
      });
      ctx.log(`${rows.length} labelled predictions → ${version.name}/${version.version}`);
      return { version: `${version.name}/${version.version}`, rows: rows.length };
    },
  })
  .step('train', {
    inputs: { dataset: 'collect.version' },
    params: ['model', 'experiment', 'learning_rate', 'max_iter', 'max_leaf_nodes', 'seed'],
    outputs: { runId: 'value', version: 'value' },
    run: async (ctx) => {
      const client = server();
      const trained = await client.training.train({
        data: str(ctx.inputs.dataset),
        label: 'churned',
        features: [...featureColumns],
        model: 'gbdt',
        params: {
          learning_rate: Number(ctx.params.learning_rate),
          max_iter: Number(ctx.params.max_iter),
          max_leaf_nodes: Number(ctx.params.max_leaf_nodes),
        },
        seed: Number(ctx.params.seed),
        experiment: str(ctx.params.experiment),
        runName: 'retrain-after-alert',
        tags: [
          { key: pipelineRunTag, value: ctx.pipelineRunId },
          ...gitSourceTags(dirname(fileURLToPath(import.meta.url))),
        ],
      });
      const registered = await client.training.register(str(ctx.params.model), trained.modelSource);
      ctx.log(`run ${trained.runId}: holdout ROC AUC ${trained.metrics.roc_auc ?? 'n/a'}`);
      ctx.log(`registered ${registered.name}/${registered.version}`);
      return { runId: trained.runId, version: registered.version };
    },
  })
  .step('gate', {
    inputs: { version: 'train.version' },
    params: ['model', 'holdout'],
    outputs: { report: 'value' },
    // The holdout and the production version it is compared with change between runs.
    cache: false,
    run: async (ctx) => {
      const client = server();
      // The newest holdout, named by its number so the report says exactly what it scored.
      const holdout = await client.datasets.get(`${str(ctx.params.holdout)}@latest`);
      const report: StoredGateReport = await client.gates.run(
        str(ctx.params.model),
        Number(ctx.inputs.version),
        {
          holdout: `${holdout.name}/${holdout.version}`,
        },
      );
      for (const check of report.checks) ctx.log(`${check.passed ? '✓' : '✗'} ${check.reason}`);
      if (!report.passed) throw new Error(`the gate blocked version ${report.version} (report ${report.id})`);
      return { report: report.id };
    },
  })
  .step('canary', {
    inputs: { version: 'train.version', report: 'gate.report' },
    params: ['deployment'],
    outputs: { rollout: 'value' },
    cache: false,
    run: async (ctx) => {
      const client = server();
      const deployment = str(ctx.params.deployment);
      await client.deployments.setCandidate(deployment, {
        version: str(ctx.inputs.version),
        mode: 'canary',
        percent: 25,
        reason: `gate ${str(ctx.inputs.report)} passed`,
      });
      await client.deployments.startRollout(deployment, {
        steps: [25, 100],
        minRequests: 10,
        minDurationMs: 0,
        reason: `pipeline run ${ctx.pipelineRunId}`,
      });
      ctx.log(`version ${str(ctx.inputs.version)} is a 25% canary of ${deployment}; the rollout widens it`);
      return { rollout: 'started' };
    },
  });
