import { Type } from '@sinclair/typebox';
import { WireNumber } from '../wire-number.js';

/** Schemas of the native API's tracking objects (camelCase, as the SDK's types). */
export const TagSchema = Type.Object({ key: Type.String(), value: Type.String() });
export const MetricSchema = Type.Object({
  key: Type.String(),
  value: WireNumber,
  timestamp: Type.Integer(),
  step: Type.Integer(),
});
export const MetricInputSchema = Type.Object({
  key: Type.String(),
  value: WireNumber,
  timestamp: Type.Optional(Type.Integer()),
  step: Type.Optional(Type.Integer()),
});

export const ExperimentSchema = Type.Object({
  experimentId: Type.String(),
  name: Type.String(),
  artifactLocation: Type.String(),
  lifecycleStage: Type.String(),
  creationTime: Type.Integer(),
  lastUpdateTime: Type.Integer(),
  tags: Type.Array(TagSchema),
});

/** An experiment in a listing, with how many active runs it holds (the dashboard's list shows it). */
export const ListedExperimentSchema = Type.Composite([
  ExperimentSchema,
  Type.Object({ runCount: Type.Integer() }),
]);

export const RunInfoSchema = Type.Object({
  runId: Type.String(),
  runName: Type.String(),
  experimentId: Type.String(),
  userId: Type.String(),
  status: Type.String(),
  startTime: Type.Integer(),
  endTime: Type.Optional(Type.Integer()),
  artifactUri: Type.String(),
  lifecycleStage: Type.String(),
  parentRunId: Type.Optional(Type.String()),
});

export const DatasetInputSchema = Type.Object({
  dataset: Type.Object({
    name: Type.String(),
    digest: Type.String(),
    sourceType: Type.String(),
    source: Type.String(),
    schema: Type.Optional(Type.String()),
    profile: Type.Optional(Type.String()),
  }),
  tags: Type.Array(TagSchema),
});

export const RunSchema = Type.Object({
  info: RunInfoSchema,
  data: Type.Object({
    metrics: Type.Array(MetricSchema),
    params: Type.Array(TagSchema),
    tags: Type.Array(TagSchema),
  }),
  inputs: Type.Object({ datasetInputs: Type.Array(DatasetInputSchema) }),
});

export const ViewTypeSchema = Type.Union([
  Type.Literal('ACTIVE_ONLY'),
  Type.Literal('DELETED_ONLY'),
  Type.Literal('ALL'),
]);
export const RunStatusSchema = Type.Union([
  Type.Literal('RUNNING'),
  Type.Literal('SCHEDULED'),
  Type.Literal('FINISHED'),
  Type.Literal('FAILED'),
  Type.Literal('KILLED'),
]);
export const ErrorSchema = Type.Object({
  error_code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
});
export const Ok = Type.Object({});
