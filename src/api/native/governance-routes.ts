import { Type } from '@sinclair/typebox';
import { parseChangeKinds } from '../../governance/audit-kinds.js';
import { invalidParameter } from '../../core/errors.js';
import { projectObjectKey } from '../../governance/project-object-key.js';
import type { ForgetSubject } from '../../governance/privacy.js';
import type { Platform } from '../../platform.js';
import { actorOf } from '../auth.js';
import type { App } from '../server.js';

const v1 = '/api/v1';
const tags = ['governance'];

/**
 * Governance over HTTP: tokens and project members (admins), the audit log and its
 * verification, and four-eyes promotion requests of protected aliases.
 */
export function registerGovernanceRoutes(app: App, platform: Platform): void {
  const { tokens, projects, audit, promotionRequests, lineage, privacy } = platform.governance;

  app.get(
    `${v1}/tokens`,
    {
      config: { action: 'governance.admin' },
      schema: { tags, summary: 'List API tokens (never their secrets)' },
    },
    async () => ({ tokens: await tokens.list() }),
  );
  app.post(
    `${v1}/tokens`,
    {
      config: { action: 'governance.admin' },
      schema: {
        tags,
        summary: 'Create an API token; its secret is in this answer only',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            user: Type.String({ minLength: 1, maxLength: 100 }),
            admin: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => reply.status(201).send(await tokens.create(req.body)),
  );
  app.delete(
    `${v1}/tokens/:token`,
    {
      config: { action: 'governance.admin' },
      schema: {
        tags,
        summary: 'Revoke a token by id or name',
        params: Type.Object({ token: Type.String() }),
      },
    },
    async (req) => ({ token: await tokens.revoke(req.params.token) }),
  );
  app.get(
    `${v1}/projects/:project/members`,
    {
      config: { action: 'governance.admin' },
      schema: {
        tags,
        summary: 'Members of a project and their roles',
        params: Type.Object({ project: Type.String() }),
      },
    },
    async (req) => ({ members: await projects.members(req.params.project) }),
  );
  app.put(
    `${v1}/projects/:project/members/:user`,
    {
      config: { action: 'governance.admin' },
      schema: {
        tags,
        summary: 'Give a user a role (viewer, editor, maintainer, admin) in a project',
        params: Type.Object({ project: Type.String(), user: Type.String() }),
        body: Type.Object({ role: Type.String() }, { additionalProperties: false }),
      },
    },
    async (req) => ({ member: await projects.setMember(req.params.project, req.params.user, req.body.role) }),
  );
  app.put(
    `${v1}/projects/:project/objects`,
    {
      config: { action: 'governance.admin' },
      schema: {
        tags,
        summary:
          'Move an experiment, model, dataset, deployment or pipeline into a project; its runs, predictions and alert rules follow it',
        params: Type.Object({ project: Type.String() }),
        body: Type.Object(
          {
            kind: Type.String({ description: 'experiment, model, dataset, deployment or pipeline' }),
            name: Type.String({ minLength: 1, description: 'its name (an experiment by name or id)' }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { kind, name } = req.body;
      const key = await projectObjectKey(platform.tracking.experiments, kind, name);
      return { object: await projects.assign(kind, key, req.params.project) };
    },
  );
  app.get(
    `${v1}/projects/:project/objects`,
    {
      config: { action: 'governance.admin' },
      schema: {
        tags,
        summary: 'The objects assigned to a project',
        params: Type.Object({ project: Type.String() }),
      },
    },
    async (req) => ({ objects: await projects.objects(req.params.project) }),
  );

  app.get(
    `${v1}/audit`,
    {
      config: { action: 'audit.read' },
      schema: {
        tags,
        summary:
          'Audit entries, oldest first, filtered by kind of change (model,alias,… or all, the default), actor, object (KIND or KIND/ID) and time',
        querystring: Type.Object({
          kind: Type.Optional(Type.String()),
          actor: Type.Optional(Type.String()),
          object: Type.Optional(Type.String()),
          since: Type.Optional(Type.Integer({ minimum: 0 })),
          until: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
        }),
      },
    },
    async (req) => {
      const { kind, ...filter } = req.query;
      return { entries: await audit.list({ ...filter, kinds: kind ? parseChangeKinds(kind) : undefined }) };
    },
  );
  app.get(
    `${v1}/audit/verify`,
    {
      config: { action: 'audit.read' },
      schema: { tags, summary: 'Walk the audit hash chain; names the first bad entry' },
    },
    async () => audit.verify(),
  );

  app.post(
    `${v1}/models/:name/promotion-requests`,
    {
      config: { action: 'promotions.request' },
      schema: {
        tags,
        summary: 'Ask for a protected alias move that a different maintainer must approve (four-eyes)',
        params: Type.Object({ name: Type.String() }),
        body: Type.Object(
          {
            alias: Type.String({ minLength: 1 }),
            version: Type.Integer({ minimum: 1 }),
            reason: Type.Optional(Type.String()),
            deployment: Type.Optional(
              Type.String({
                minLength: 1,
                description:
                  "For this deployment's rollout: approval moves nothing, it lets the rollout start and its completion move the alias",
              }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await promotionRequests.request({ model: req.params.name, ...req.body, by: actorOf(req) })),
  );
  app.get(
    `${v1}/promotion-requests`,
    {
      config: { action: 'models.read' },
      schema: {
        tags,
        summary: 'Promotion requests, newest first',
        querystring: Type.Object({ model: Type.Optional(Type.String()) }),
      },
    },
    async (req) => ({ requests: await promotionRequests.list(req.query.model) }),
  );
  app.post(
    `${v1}/promotion-requests/:id/approve`,
    {
      config: { action: 'promotions.approve' },
      schema: {
        tags,
        summary: 'Approve a promotion request: the alias moves',
        params: Type.Object({ id: Type.String() }),
      },
    },
    async (req) => ({ request: await promotionRequests.approve(req.params.id, actorOf(req)) }),
  );
  app.post(
    `${v1}/promotion-requests/:id/reject`,
    {
      config: { action: 'promotions.approve' },
      schema: { tags, summary: 'Reject a promotion request', params: Type.Object({ id: Type.String() }) },
    },
    async (req) => ({ request: await promotionRequests.reject(req.params.id, actorOf(req)) }),
  );

  app.get(
    `${v1}/lineage/:kind/*`,
    {
      config: { action: 'lineage.read' },
      schema: {
        tags,
        summary:
          'Lineage graph of a prediction, model-version (NAME/V), run, dataset (NAME/V or digest) or deployment, both ways',
        params: Type.Object({ kind: Type.String(), '*': Type.String() }),
      },
    },
    async (req) => lineage.graph(req.params.kind, req.params['*']),
  );

  app.post(
    `${v1}/privacy/forget`,
    {
      config: { action: 'privacy.forget' },
      schema: {
        tags,
        summary:
          'Forget a subject: delete its prediction-log rows and their labels (audited). Name the subject by the request key it was served under (subject_key), or by an input column that identifies it (column and value), matched whether the log kept the column as sent or hashed',
        body: Type.Object(
          {
            subject_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            column: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            value: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { subject_key, column, value } = req.body;
      const result = await privacy.forget(forgetSubject(subject_key, column, value));
      return {
        ...('key' in result.subject
          ? { subject_key: result.subject.key }
          : { column: result.subject.column, value: result.subject.value }),
        predictions_deleted: result.predictionsDeleted,
        feedback_deleted: result.feedbackDeleted,
      };
    },
  );
}

function forgetSubject(
  key: string | undefined,
  column: string | undefined,
  value: string | undefined,
): ForgetSubject {
  if (key !== undefined) {
    if (column !== undefined || value !== undefined)
      throw invalidParameter('subject_key', 'give subject_key, or column and value, not both');
    return { key };
  }
  if (column === undefined)
    throw invalidParameter('subject_key', 'give subject_key, or column and value, to name the subject');
  if (value === undefined) throw invalidParameter('value', 'value is required with column');
  return { column, value };
}
