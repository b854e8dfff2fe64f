import { drainGraceMs } from '../../core/shutdown.js';
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import { lazyBullMqExecutor } from '../../pipelines/executors/lazy-bullmq-executor.js';
import { SubprocessExecutor } from '../../pipelines/executors/subprocess-executor.js';
import { platformPipelineService } from '../../pipelines/pipeline-services.js';
import { PipelineScheduler } from '../../pipelines/triggers/pipeline-scheduler.js';
import { triggerByWebhook } from '../../pipelines/triggers/webhook.js';
import { parsePipelineYaml } from '../../pipelines/yaml-definition.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import {
  ListedPipelineSchema,
  PipelineRunSchema,
  PipelineSchema,
  StartRunSchema,
  WebhookSchema,
} from './pipeline-schemas.js';
import { ErrorSchema } from './tracking-schemas.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema };
const tags = ['pipelines'];
const NameParam = Type.Object({ name: Type.String() });
const IdParam = Type.Object({ id: Type.String() });
const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml'];

export interface PipelineRouteOptions {
  /** Check cron schedules this often (ms); the default 15 s. */
  schedulerIntervalMs?: number;
}

/**
 * Pipelines over HTTP: register from YAML, start, follow, cancel and resume runs, read step logs,
 * and the webhook a CI system calls. Runs are driven by the server process (their TypeScript steps
 * run in child processes of it, or on workers); the scheduler starts runs from cron, dataset and
 * alert triggers, and runs whose server stopped heartbeating are failed, resumably.
 */
export function registerPipelineRoutes(
  app: App,
  platform: Platform,
  options: PipelineRouteOptions = {},
): void {
  // With a Redis configured, steps go to `mloop worker` processes (here or on other machines);
  // without, each TypeScript step runs in a child process, off the event loop that serves.
  const executor = platform.config.redisUrl
    ? lazyBullMqExecutor(platform.config.redisUrl, platform.config.queue)
    : new SubprocessExecutor(platform.tracking.artifacts);
  const pipelines = platformPipelineService(platform, executor);
  const scheduler = new PipelineScheduler(pipelines, {
    clock: platform.clock,
    events: platform.events,
    duties: platform.background,
    log: app.log,
  });
  // The scheduler also fails, now and on an interval, the runs whose server stopped heartbeating.
  app.addHook('onReady', async () => {
    scheduler.start(options.schedulerIntervalMs, platform.config.pipelineLeaseMs);
  });
  // Shutdown drains: no new triggers, then the runs in progress (started here by a trigger or a
  // request) may finish within the grace period; steps still going after it end with the process.
  app.addHook('onClose', async () => {
    const until = Date.now() + drainGraceMs;
    await scheduler.stop(drainGraceMs);
    const going = await pipelines.drain(Math.max(0, until - Date.now()));
    if (going.length > 0) app.log.error({ runs: going }, 'pipeline runs still going at shutdown');
    await executor?.close();
  });
  app.addContentTypeParser(yamlTypes, { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Registering a pipeline lets its shell commands run on the server: admins only. Starting one
  // runs its code too: on a server without tokens that also takes the local admin token.
  app.post(
    '/api/v1/pipelines',
    {
      config: { action: 'governance.admin', bodyTypes: ['application/json', ...yamlTypes] },
      schema: {
        tags,
        summary: 'Register (or replace) a pipeline from its YAML: the body, or {"yaml": "…"}',
        response: { 201: PipelineSchema, ...errors },
      },
    },
    async (req, reply) => {
      const text =
        typeof req.body === 'string' ? req.body : (req.body as { yaml?: unknown } | undefined)?.yaml;
      if (typeof text !== 'string' || text.trim() === '')
        throw invalidParameter(
          'yaml',
          'send the pipeline YAML as the body (Content-Type: application/yaml) or as {"yaml": "…"}',
        );
      const stored = await pipelines.register(parsePipelineYaml(text), { kind: 'yaml', path: '', text });
      return reply.status(201).send(stored);
    },
  );

  app.get(
    '/api/v1/pipelines',
    {
      config: { action: 'runs.read' },
      schema: {
        tags,
        summary: 'List registered pipelines, each with its newest run',
        response: { 200: Type.Object({ pipelines: Type.Array(ListedPipelineSchema) }) },
      },
    },
    async () => ({
      pipelines: await Promise.all(
        (await pipelines.list()).map(async (p) => {
          const [lastRun] = await pipelines.listRuns(p.name, 1);
          return lastRun ? { ...p, lastRun } : p;
        }),
      ),
    }),
  );

  app.get(
    '/api/v1/pipelines/:name',
    {
      config: { action: 'runs.read' },
      schema: {
        tags,
        summary: 'Get a pipeline',
        params: NameParam,
        response: { 200: PipelineSchema, ...errors },
      },
    },
    async (req) => pipelines.get(req.params.name),
  );

  app.post(
    '/api/v1/pipelines/:name/runs',
    {
      config: { action: 'runs.write', runsCode: true },
      schema: {
        tags,
        summary: 'Start a run; it continues after the response',
        params: NameParam,
        body: Type.Optional(StartRunSchema),
        response: { 201: PipelineRunSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body ?? {};
      const handle = await pipelines.start(req.params.name, {
        ...(body.params ? { params: body.params } : {}),
        noCache: body.no_cache === true,
      });
      handle.done.catch((error: unknown) =>
        app.log.error({ err: error, run: handle.id }, 'pipeline run failed to finish'),
      );
      return reply.status(201).send(await pipelines.getRun(handle.id));
    },
  );

  app.get(
    '/api/v1/pipelines/:name/runs',
    {
      config: { action: 'runs.read' },
      schema: {
        tags,
        summary: 'List runs of a pipeline, newest first',
        params: NameParam,
        querystring: Type.Object({ max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ runs: Type.Array(PipelineRunSchema) }), ...errors },
      },
    },
    async (req) => {
      await pipelines.get(req.params.name);
      return { runs: await pipelines.listRuns(req.params.name, req.query.max_results ?? 50) };
    },
  );

  app.post(
    '/api/v1/pipelines/:name/trigger',
    {
      // The caller proves itself with the pipeline's webhook secret, not an mloop token.
      config: { action: 'public' },
      schema: {
        tags,
        summary: 'Webhook: start a run from a CI system, recording commit and ref',
        params: NameParam,
        body: Type.Optional(WebhookSchema),
        response: { 201: PipelineRunSchema, ...errors },
      },
    },
    async (req, reply) => {
      const header = req.headers['x-mloop-webhook-secret'];
      const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const body = req.body ?? {};
      const handle = await triggerByWebhook(pipelines, req.params.name, {
        secret: typeof header === 'string' ? header : bearer,
        ...(body.commit ? { commit: body.commit } : {}),
        ...(body.ref ? { ref: body.ref } : {}),
        ...(body.params ? { params: body.params } : {}),
      });
      handle.done.catch((error: unknown) =>
        app.log.error({ err: error, run: handle.id }, 'pipeline run failed to finish'),
      );
      return reply.status(201).send(await pipelines.getRun(handle.id));
    },
  );

  app.get(
    '/api/v1/pipeline-runs/:id',
    {
      config: { action: 'runs.read' },
      schema: {
        tags,
        summary: 'A pipeline run with its step runs',
        params: IdParam,
        response: { 200: PipelineRunSchema, ...errors },
      },
    },
    async (req) => pipelines.getRun(req.params.id),
  );

  app.post(
    '/api/v1/pipeline-runs/:id/cancel',
    {
      config: { action: 'runs.write' },
      schema: {
        tags,
        summary: 'Cancel a running pipeline run',
        params: IdParam,
        response: { 200: PipelineRunSchema, ...errors },
      },
    },
    async (req) => {
      await pipelines.cancel(req.params.id);
      return pipelines.getRun(req.params.id);
    },
  );

  app.post(
    '/api/v1/pipeline-runs/:id/abandon',
    {
      config: { action: 'runs.write' },
      schema: {
        tags,
        summary:
          'Fail a running run at once, resumably, without waiting for the server driving it (one that is gone)',
        params: IdParam,
        response: { 200: PipelineRunSchema, ...errors },
      },
    },
    async (req) => pipelines.abandon(req.params.id),
  );

  app.post(
    '/api/v1/pipeline-runs/:id/rerun',
    {
      config: { action: 'runs.write', runsCode: true },
      schema: {
        tags,
        summary: 'Resume a failed or cancelled run from its failed steps',
        params: IdParam,
        response: { 200: PipelineRunSchema, ...errors },
      },
    },
    async (req) => {
      const handle = await pipelines.rerun(req.params.id);
      handle.done.catch((error: unknown) =>
        app.log.error({ err: error, run: handle.id }, 'pipeline run failed to finish'),
      );
      return pipelines.getRun(handle.id);
    },
  );

  app.get(
    '/api/v1/pipeline-runs/:id/steps/:step/logs',
    {
      config: { action: 'runs.read' },
      schema: {
        tags,
        summary: "The log of a step's latest attempt (text)",
        params: Type.Object({ id: Type.String(), step: Type.String() }),
        response: { 200: Type.String(), ...errors },
      },
    },
    async (req, reply) =>
      reply.type('text/plain; charset=utf-8').send(await pipelines.stepLog(req.params.id, req.params.step)),
  );
}
