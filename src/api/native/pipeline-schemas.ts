import { Type } from '@sinclair/typebox';

const Trigger = Type.Object({ kind: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) });

export const StepRunSchema = Type.Object({
  id: Type.String(),
  step: Type.String(),
  status: Type.String(),
  attempt: Type.Integer(),
  cacheKey: Type.Optional(Type.String()),
  cacheHit: Type.Boolean(),
  outputs: Type.Record(Type.String(), Type.Unknown()),
  error: Type.Optional(Type.String()),
  logPath: Type.Optional(Type.String()),
  trackingRunId: Type.Optional(Type.String()),
  startTime: Type.Optional(Type.Number()),
  endTime: Type.Optional(Type.Number()),
});

export const PipelineRunSchema = Type.Object({
  id: Type.String(),
  pipeline: Type.String(),
  status: Type.String(),
  trigger: Trigger,
  params: Type.Record(Type.String(), Type.Unknown()),
  trackingRunId: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  startTime: Type.Number(),
  endTime: Type.Optional(Type.Number()),
  steps: Type.Array(StepRunSchema),
});

export const PipelineSchema = Type.Object({
  name: Type.String(),
  definition: Type.Unknown(),
  source: Type.Object({ kind: Type.String(), path: Type.String() }),
  createdTime: Type.Number(),
  updatedTime: Type.Number(),
});

/** A pipeline in the listing, with its newest run (what the list shows of its health). */
export const ListedPipelineSchema = Type.Composite([
  PipelineSchema,
  Type.Object({
    lastRun: Type.Optional(Type.Pick(PipelineRunSchema, ['id', 'status', 'trigger', 'startTime', 'endTime'])),
  }),
]);

const ParamsInput = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

export const StartRunSchema = Type.Object(
  { params: Type.Optional(ParamsInput), no_cache: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object({
  commit: Type.Optional(Type.String({ maxLength: 64 })),
  ref: Type.Optional(Type.String({ maxLength: 500 })),
  params: Type.Optional(ParamsInput),
});
