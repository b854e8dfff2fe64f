import { Type } from '@sinclair/typebox';

const HistogramSchema = Type.Object({
  kind: Type.Union([Type.Literal('bins'), Type.Literal('categories')]),
  edges: Type.Optional(Type.Array(Type.Number())),
  categories: Type.Optional(Type.Array(Type.String())),
  counts: Type.Array(Type.Number()),
});

const ColumnDriftSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  test: Type.String(),
  statistic: Type.Optional(Type.Number()),
  pValue: Type.Optional(Type.Number()),
  threshold: Type.Number(),
  drifted: Type.Boolean(),
  referenceCount: Type.Number(),
  currentCount: Type.Number(),
  referenceHistogram: HistogramSchema,
  currentHistogram: HistogramSchema,
  note: Type.Optional(Type.String()),
});

const CheckSchema = {
  count: Type.Number(),
  share: Type.Number(),
  flagged: Type.Boolean(),
  examples: Type.Array(Type.String()),
};

const ColumnQualitySchema = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  missing: Type.Object({ ...CheckSchema, referenceShare: Type.Number() }),
  typeMismatch: Type.Object(CheckSchema),
  outOfRange: Type.Optional(Type.Object({ ...CheckSchema, below: Type.Number(), above: Type.Number() })),
  unseenCategories: Type.Optional(Type.Object({ ...CheckSchema, distinct: Type.Number() })),
});

export const MonitorReportSchema = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  allVersions: Type.Boolean(),
  deployment: Type.Optional(Type.String()),
  window: Type.Object({
    from: Type.Number(),
    to: Type.Number(),
    length: Type.String(),
    rows: Type.Integer(),
  }),
  reference: Type.Object({ description: Type.String(), rows: Type.Number() }),
  drift: Type.Object({
    columns: Type.Array(ColumnDriftSchema),
    driftedColumns: Type.Integer(),
    driftedShare: Type.Number(),
    driftShareThreshold: Type.Number(),
    datasetDrift: Type.Boolean(),
  }),
  quality: Type.Object({
    rows: Type.Integer(),
    columns: Type.Array(ColumnQualitySchema),
    unexpectedColumns: Type.Array(Type.String()),
    issues: Type.Array(Type.Object({ column: Type.String(), check: Type.String(), message: Type.String() })),
  }),
});
