import { Type } from '@sinclair/typebox';
import { alertKinds } from '../../monitoring/alerts/types.js';

/** Schemas of the native API's alert objects (camelCase, as the service's types). */
export const AlertKindSchema = Type.Union(
  alertKinds.map((k) => Type.Literal(k)),
  { description: 'drift_share, metric_below, metric_above, error_rate_above or p99_latency_above' },
);

const TargetSchema = Type.Union([
  Type.Object({ model: Type.String() }),
  Type.Object({ deployment: Type.String() }),
]);

export const AlertRuleInputSchema = Type.Object({
  name: Type.String(),
  model: Type.Optional(Type.String({ description: 'NAME@ALIAS or NAME/VERSION; or give deployment' })),
  deployment: Type.Optional(Type.String()),
  kind: AlertKindSchema,
  threshold: Type.Number(),
  window: Type.String({ description: 'length of the window: 15m, 1h, 7d' }),
  metric: Type.Optional(Type.String({ description: 'accuracy, f1, auc, rmse… (metric_below/metric_above)' })),
  reference: Type.Optional(
    Type.String({ description: 'drift reference: a file, NAME/VERSION of a dataset, window:-24h..-1h' }),
  ),
  allVersions: Type.Optional(Type.Boolean()),
  webhookUrl: Type.Optional(Type.String()),
  cooldown: Type.Optional(
    Type.String({ description: 'no new alert for this long after one fires; default 1h' }),
  ),
  enabled: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String()),
});

export const AlertRuleSchema = Type.Object({
  name: Type.String(),
  target: TargetSchema,
  kind: AlertKindSchema,
  threshold: Type.Number(),
  windowMs: Type.Number(),
  metric: Type.Optional(Type.String()),
  reference: Type.Optional(Type.String()),
  allVersions: Type.Boolean(),
  webhookUrl: Type.Optional(Type.String()),
  cooldownMs: Type.Number(),
  enabled: Type.Boolean(),
  description: Type.Optional(Type.String()),
  createdTime: Type.Number(),
  updatedTime: Type.Number(),
  lastEvaluation: Type.Optional(
    Type.Object({
      time: Type.Number(),
      outcome: Type.String(),
      value: Type.Optional(Type.Number()),
      message: Type.Optional(Type.String()),
    }),
  ),
});

export const AlertSchema = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  target: TargetSchema,
  model: Type.String(),
  kind: AlertKindSchema,
  value: Type.Number(),
  threshold: Type.Number(),
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  message: Type.String(),
  firedTime: Type.Number(),
  resolvedTime: Type.Optional(Type.Number()),
  resolvedValue: Type.Optional(Type.Number()),
  webhook: Type.Object({
    status: Type.String(),
    attempts: Type.Number(),
    error: Type.Optional(Type.String()),
    time: Type.Optional(Type.Number()),
  }),
});

export const EvaluationSchema = Type.Object({
  rule: Type.String(),
  time: Type.Number(),
  outcome: Type.String({ description: 'fired, firing, resolved, ok, suppressed, no_data or error' }),
  value: Type.Optional(Type.Number()),
  threshold: Type.Number(),
  message: Type.String(),
  alert: Type.Optional(AlertSchema),
});
