import { Type } from '@sinclair/typebox';

/** Schemas of the native API's deployment objects (camelCase, as the service's types). */
export const CandidateModeSchema = Type.Union(
  [Type.Literal('canary'), Type.Literal('shadow'), Type.Literal('ab')],
  {
    description:
      'canary: a random share answers; shadow: scores copies, never answers; ab: sticky split by key',
  },
);
const Percent = Type.Number({ minimum: 0, maximum: 100 });

export const CandidateSchema = Type.Object({
  version: Type.String({ description: 'version number (3) or alias (challenger) of the same model' }),
  mode: CandidateModeSchema,
  percent: Percent,
});

export const CandidateInputSchema = Type.Object({
  version: Type.String({ description: 'version number (3) or alias (challenger) of the same model' }),
  mode: CandidateModeSchema,
  percent: Type.Optional(
    Type.Number({ minimum: 0, maximum: 100, description: 'default: 10 canary, 50 ab, 100 shadow' }),
  ),
  reason: Type.Optional(Type.String()),
});

// Latency bounds must be > 0; the domain checks it (validation.ts), since OpenAPI 3.0, which
// /openapi.json declares, has no numeric exclusiveMinimum.
export const RolloutBoundsSchema = Type.Object({
  maxErrorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  maxP99LatencyMs: Type.Optional(Type.Number({ minimum: 0 })),
  maxErrorRateOverPrimary: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  maxP99LatencyRatioToPrimary: Type.Optional(Type.Number({ minimum: 0 })),
});

export const RolloutPlanSchema = Type.Object({
  steps: Type.Array(Percent),
  minRequests: Type.Integer({ minimum: 0 }),
  minDurationMs: Type.Integer({ minimum: 0 }),
  bounds: RolloutBoundsSchema,
});

export const RolloutSchema = Type.Object({
  plan: RolloutPlanSchema,
  status: Type.Union([
    Type.Literal('running'),
    Type.Literal('completed'),
    Type.Literal('rolled_back'),
    Type.Literal('aborted'),
  ]),
  stepIndex: Type.Integer(),
  stepStartedTime: Type.Integer(),
  startedTime: Type.Integer(),
  endedTime: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});

export const DeploymentSchema = Type.Object({
  name: Type.String(),
  model: Type.String(),
  primary: Type.String(),
  candidate: Type.Optional(CandidateSchema),
  rollout: Type.Optional(RolloutSchema),
  status: Type.Union([Type.Literal('active'), Type.Literal('rolled_back')]),
  description: Type.Optional(Type.String()),
  createdTime: Type.Integer(),
  updatedTime: Type.Integer(),
  revision: Type.Integer(),
});

export const ArmStatsSchema = Type.Object({
  requests: Type.Integer(),
  errors: Type.Integer(),
  p99LatencyMs: Type.Optional(Type.Number()),
});

export const MinuteStatsSchema = Type.Composite([
  ArmStatsSchema,
  Type.Object({
    time: Type.Integer({ description: 'start of the minute, ms since the epoch' }),
    arm: Type.String(),
  }),
]);

export const StatsSnapshotSchema = Type.Object({
  primary: ArmStatsSchema,
  candidate: ArmStatsSchema,
  sinceTime: Type.Integer(),
});

export const DeploymentEventSchema = Type.Object({
  id: Type.Integer(),
  deployment: Type.String(),
  time: Type.Integer(),
  kind: Type.String(),
  fromPercent: Type.Optional(Type.Number()),
  toPercent: Type.Optional(Type.Number()),
  reason: Type.String(),
  stats: Type.Optional(StatsSnapshotSchema),
  primaryVersion: Type.Optional(Type.String()),
  candidateVersion: Type.Optional(Type.String()),
});

export const ReasonBody = Type.Object({ reason: Type.Optional(Type.String()) });
