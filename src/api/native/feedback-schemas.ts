import { Type } from '@sinclair/typebox';

/**
 * Wire schemas of feedback and performance. A label body is snake_case like the inference bodies
 * whose prediction ids it refers to; answers are camelCase like the rest of `/api/v1`. Labels are
 * `unknown` here on purpose: with type coercion on, a union of string and number would turn the
 * number 1 into the string "1"; the service checks each label against its model instead.
 */
const LabelItem = Type.Object({
  prediction_id: Type.Optional(Type.String({ description: 'The id serving gave the prediction' })),
  request_key: Type.Optional(
    Type.String({
      description: 'Instead of an id: labels the most recent prediction made with this request key',
    }),
  ),
  model: Type.Optional(Type.String({ description: 'With request_key: only predictions of this model' })),
  label: Type.Optional(
    Type.Unknown({ description: "The true class (a class the model knows) or value (a regressor's number)" }),
  ),
});

export const FeedbackBody = Type.Object({
  labels: Type.Optional(Type.Array(LabelItem, { maxItems: 10_000 })),
  prediction_id: Type.Optional(Type.String()),
  request_key: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  label: Type.Optional(Type.Unknown()),
  source: Type.Optional(Type.String({ description: 'Where the labels come from; kept with each label' })),
});

const LabelValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const FeedbackSchema = Type.Object({
  predictionId: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  label: LabelValue,
  source: Type.Optional(Type.String()),
  createdTime: Type.Number(),
  updatedTime: Type.Number(),
  revision: Type.Integer(),
});

export const AttachResultSchema = Type.Object({
  received: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  labels: Type.Array(FeedbackSchema),
});

const ClassMetricsSchema = Type.Object({
  precision: Type.Number(),
  recall: Type.Number(),
  f1: Type.Number(),
  support: Type.Integer(),
});

const PerformanceGroupSchema = Type.Object({
  windowStart: Type.Number(),
  windowEnd: Type.Number(),
  version: Type.Optional(Type.Integer()),
  arm: Type.Optional(Type.String()),
  predictions: Type.Integer(),
  labelled: Type.Integer(),
  coverage: Type.Number(),
  classification: Type.Optional(
    Type.Object({
      accuracy: Type.Number(),
      macroF1: Type.Number(),
      rocAuc: Type.Optional(Type.Number()),
      logLoss: Type.Optional(Type.Number()),
      perClass: Type.Record(Type.String(), ClassMetricsSchema),
    }),
  ),
  regression: Type.Optional(
    Type.Object({ rmse: Type.Number(), mae: Type.Number(), r2: Type.Optional(Type.Number()) }),
  ),
});

export const PerformanceReportSchema = Type.Object({
  model: Type.String(),
  task: Type.Optional(Type.Union([Type.Literal('classification'), Type.Literal('regression')])),
  from: Type.Number(),
  to: Type.Number(),
  windowMs: Type.Number(),
  windows: Type.Array(PerformanceGroupSchema),
  overall: Type.Array(PerformanceGroupSchema),
});

export const LabelledPredictionSchema = Type.Object({
  id: Type.String(),
  time: Type.Number(),
  version: Type.Integer(),
  arm: Type.String(),
  deployment: Type.Optional(Type.String()),
  inputs: Type.Record(Type.String(), Type.Unknown()),
  outputs: Type.Object({
    label: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    value: Type.Optional(Type.Number()),
    probabilities: Type.Optional(Type.Record(Type.String(), Type.Number())),
  }),
  label: LabelValue,
});
