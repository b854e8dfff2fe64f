import { Type } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { registerDeploymentPredictRoutes } from './deployment-predict-routes.js';
import {
  ArmStatsSchema,
  CandidateInputSchema,
  DeploymentEventSchema,
  DeploymentSchema,
  MinuteStatsSchema,
  ReasonBody,
  RolloutBoundsSchema,
} from './deployment-schemas.js';
import { ErrorSchema, Ok } from './tracking-schemas.js';

const base = '/api/v1/deployments';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const NameParam = Type.Object({ name: Type.String() });
const tags = ['deployments'];

/** Statistics without a running rollout cover this much recent time by default. */
const defaultStatsWindowMs = 15 * 60_000;

/** mloop's REST API for deployments: CRUD, candidate, rollback, rollouts, history and inference. */
export function registerDeploymentRoutes(app: App, platform: Platform): void {
  const { deployments, rollouts, armStats, predictor } = platform.deployments;
  registerDeploymentPredictRoutes(app, predictor);

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create a deployment',
        body: Type.Object({
          name: Type.String(),
          model: Type.String({ description: 'the registered model both arms serve versions of' }),
          primary: Type.Optional(Type.String({ description: 'alias or version number; default production' })),
          description: Type.Optional(Type.String()),
          candidate: Type.Optional(CandidateInputSchema),
        }),
        response: { 201: DeploymentSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await deployments.create(req.body)),
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List deployments',
        response: { 200: Type.Object({ deployments: Type.Array(DeploymentSchema) }) },
      },
    },
    async () => ({ deployments: await deployments.list() }),
  );

  app.get(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: 'Get a deployment',
        params: NameParam,
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => deployments.get(req.params.name),
  );

  app.patch(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: "Change a deployment's primary arm or description",
        params: NameParam,
        body: Type.Object({
          primary: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          reason: Type.Optional(Type.String()),
        }),
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => deployments.update(req.params.name, req.body, { reason: req.body.reason }),
  );

  app.delete(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: 'Delete a deployment (its history stays readable)',
        params: NameParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await deployments.delete(req.params.name);
      await armStats.forget(req.params.name);
      return {};
    },
  );

  app.put(
    `${base}/:name/candidate`,
    {
      schema: {
        tags,
        summary: 'Set the candidate arm: canary, shadow or A/B',
        params: NameParam,
        body: CandidateInputSchema,
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => deployments.setCandidate(req.params.name, req.body, { reason: req.body.reason }),
  );

  app.delete(
    `${base}/:name/candidate`,
    {
      schema: {
        tags,
        summary: 'Remove the candidate arm',
        params: NameParam,
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => deployments.clearCandidate(req.params.name),
  );

  app.post(
    `${base}/:name/rollback`,
    {
      schema: {
        tags,
        summary: 'Roll the candidate back: its share drops to 0 and a running rollout stops',
        params: NameParam,
        body: Type.Union([ReasonBody, Type.Null()]),
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => deployments.rollBack(req.params.name, { reason: req.body?.reason }),
  );

  app.post(
    `${base}/:name/rollout`,
    {
      schema: {
        tags,
        summary: 'Start a progressive rollout of the candidate',
        description:
          'Steps through the candidate percentages, each for at least minDurationMs and minRequests, ' +
          'promotes the candidate after a healthy 100% step, and rolls back when a bound is broken.',
        params: NameParam,
        body: Type.Object({
          steps: Type.Optional(Type.Array(Type.Number())),
          minRequests: Type.Optional(Type.Integer()),
          minDurationMs: Type.Optional(Type.Integer()),
          bounds: Type.Optional(RolloutBoundsSchema),
          reason: Type.Optional(Type.String()),
        }),
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => {
      const { reason, ...plan } = req.body;
      return rollouts.start(req.params.name, plan, reason);
    },
  );

  app.post(
    `${base}/:name/rollout/abort`,
    {
      schema: {
        tags,
        summary: "Abort a running rollout: the candidate's share drops to 0, nothing is promoted",
        params: NameParam,
        body: Type.Union([ReasonBody, Type.Null()]),
        response: { 200: DeploymentSchema, ...errors },
      },
    },
    async (req) => rollouts.abort(req.params.name, req.body?.reason),
  );

  app.get(
    `${base}/:name/events`,
    {
      schema: {
        tags,
        summary: "A deployment's history: changes, rollout steps, completions and rollbacks, oldest first",
        params: NameParam,
        querystring: Type.Object({
          afterId: Type.Optional(Type.Integer({ minimum: 0 })),
          maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000 })),
        }),
        response: { 200: Type.Object({ events: Type.Array(DeploymentEventSchema) }), ...errors },
      },
    },
    async (req) => ({ events: await deployments.listEvents(req.params.name, req.query) }),
  );

  app.get(
    `${base}/:name/stats`,
    {
      schema: {
        tags,
        summary: 'Live per-arm statistics, from every server on the database',
        description:
          'Over the current rollout step when a rollout runs, else over the last windowMs (15 minutes by default).',
        params: NameParam,
        querystring: Type.Object({ windowMs: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: {
          200: Type.Object({
            sinceTime: Type.Integer(),
            primary: ArmStatsSchema,
            candidate: ArmStatsSchema,
            shadow: ArmStatsSchema,
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const deployment = await deployments.get(req.params.name);
      const since =
        deployment.rollout?.status === 'running' && req.query.windowMs === undefined
          ? deployment.rollout.stepStartedTime
          : platform.clock.now() - (req.query.windowMs ?? defaultStatsWindowMs);
      const arm = (name: 'primary' | 'candidate' | 'shadow') => armStats.stats(deployment.name, name, since);
      return {
        sinceTime: since,
        primary: await arm('primary'),
        candidate: await arm('candidate'),
        shadow: await arm('shadow'),
      };
    },
  );

  app.get(
    `${base}/:name/stats/minutes`,
    {
      config: { action: 'deployments.read' },
      schema: {
        tags,
        summary: 'Per-minute requests, errors and p99 latency of each arm, from every server on the database',
        description:
          'Over the last `minutes` minutes (60 by default); minutes without requests are left out.',
        params: NameParam,
        querystring: Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })) }),
        response: {
          200: Type.Object({ sinceTime: Type.Integer(), minutes: Type.Array(MinuteStatsSchema) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const deployment = await deployments.get(req.params.name);
      const since = platform.clock.now() - (req.query.minutes ?? 60) * 60_000;
      const arms = ['primary', 'candidate', 'shadow'] as const;
      const minutes = await Promise.all(arms.map((arm) => armStats.perMinute(deployment.name, arm, since)));
      return {
        sinceTime: since,
        minutes: arms.flatMap((arm, i) => minutes[i]!.map((m) => ({ ...m, arm }))),
      };
    },
  );
}
