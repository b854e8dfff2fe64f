import { Type } from '@sinclair/typebox';
import { maskWebhookUrl } from '../../monitoring/alerts/webhook-target.js';
import type { AlertRule } from '../../monitoring/alerts/types.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { AlertRuleInputSchema, AlertRuleSchema, AlertSchema, EvaluationSchema } from './alert-schemas.js';
import { storedReference } from './monitoring-routes.js';
import { ErrorSchema, Ok } from './tracking-schemas.js';

const rulesBase = '/api/v1/alert-rules';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const NameParam = Type.Object({ name: Type.String() });
const tags = ['monitoring'];

/** mloop's REST API for alert rules (create, list, get, delete, enable, evaluate now) and alerts. */
export function registerAlertRoutes(app: App, platform: Platform): void {
  const { rules, log, evaluator } = platform.monitoring.alerts;

  app.post(
    rulesBase,
    {
      schema: {
        tags,
        summary: 'Create an alert rule',
        body: AlertRuleInputSchema,
        response: { 201: AlertRuleSchema, ...errors },
      },
    },
    async (req, reply) => {
      storedReference(req.body.reference);
      return reply.status(201).send(shown(await rules.create(req.body)));
    },
  );

  app.get(
    rulesBase,
    {
      schema: {
        tags,
        summary: 'List alert rules',
        response: { 200: Type.Object({ rules: Type.Array(AlertRuleSchema) }) },
      },
    },
    async () => ({ rules: (await rules.list()).map(shown) }),
  );

  app.get(
    `${rulesBase}/:name`,
    {
      schema: {
        tags,
        summary: 'Get an alert rule',
        params: NameParam,
        response: { 200: AlertRuleSchema, ...errors },
      },
    },
    async (req) => shown(await rules.get(req.params.name)),
  );

  app.delete(
    `${rulesBase}/:name`,
    {
      schema: {
        tags,
        summary: 'Delete an alert rule (its alerts stay)',
        params: NameParam,
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      await rules.delete(req.params.name);
      return {};
    },
  );

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(
      `${rulesBase}/:name/${action}`,
      {
        schema: {
          tags,
          summary: `${action === 'enable' ? 'Enable' : 'Disable'} an alert rule's scheduled evaluation`,
          params: NameParam,
          response: { 200: AlertRuleSchema, ...errors },
        },
      },
      async (req) => shown(await rules.setEnabled(req.params.name, enabled)),
    );
  }

  app.post(
    `${rulesBase}/:name/evaluate`,
    {
      schema: {
        tags,
        summary: 'Evaluate an alert rule now: may fire or resolve an alert',
        params: NameParam,
        response: { 200: EvaluationSchema, ...errors },
      },
    },
    async (req) => evaluator.evaluate(req.params.name),
  );

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags,
        summary: 'List alerts, newest first',
        querystring: Type.Object({
          rule: Type.Optional(Type.String()),
          status: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
          from: Type.Optional(Type.Integer({ description: 'fired at or after, ms since the epoch' })),
          to: Type.Optional(Type.Integer({ description: 'fired before, ms since the epoch' })),
          max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }), ...errors },
      },
    },
    async (req) => ({
      alerts: await log.list({
        rule: req.query.rule,
        status: req.query.status,
        from: req.query.from,
        to: req.query.to,
        maxResults: req.query.max_results,
      }),
    }),
  );
}

/** A rule as the API shows it, to every role: its webhook's secret parts masked. */
function shown(rule: AlertRule): AlertRule {
  return rule.webhookUrl === undefined ? rule : { ...rule, webhookUrl: maskWebhookUrl(rule.webhookUrl) };
}
