import { Type } from '@sinclair/typebox';

/** Schemas of the native API's dataset objects (camelCase, as the SDK's types). */
const Column = Type.Object({ name: Type.String(), type: Type.String() });
const Move = Type.Object({ from: Type.Number(), to: Type.Number(), delta: Type.Number() });

export const ColumnProfileSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  kind: Type.String(),
  count: Type.Number(),
  missingShare: Type.Number(),
  distinct: Type.Number(),
  distinctApproximate: Type.Optional(Type.Boolean()),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  mean: Type.Optional(Type.Number()),
  std: Type.Optional(Type.Number()),
  quantiles: Type.Optional(
    Type.Object({
      p05: Type.Number(),
      p25: Type.Number(),
      p50: Type.Number(),
      p75: Type.Number(),
      p95: Type.Number(),
    }),
  ),
  histogram: Type.Optional(
    Type.Array(Type.Object({ lower: Type.Number(), upper: Type.Number(), count: Type.Number() })),
  ),
  topValues: Type.Optional(Type.Array(Type.Object({ value: Type.String(), count: Type.Number() }))),
  minText: Type.Optional(Type.String()),
  maxText: Type.Optional(Type.String()),
});

const versionFields = {
  name: Type.String(),
  version: Type.Integer(),
  digest: Type.String(),
  format: Type.String(),
  schema: Type.Array(Column),
  rowCount: Type.Integer(),
  sizeBytes: Type.Integer(),
  storagePath: Type.String(),
  source: Type.Optional(Type.String()),
  parentVersion: Type.Optional(Type.Integer()),
  createdAt: Type.Integer(),
  createdBy: Type.Optional(Type.String()),
  tags: Type.Record(Type.String(), Type.String()),
  pii: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.Literal('redact'), Type.Literal('hash')]), {
      description: 'Personal columns and how the prediction log keeps them out',
    }),
  ),
};

export const DatasetVersionSummarySchema = Type.Object(versionFields);

export const DatasetVersionSchema = Type.Object({
  ...versionFields,
  files: Type.Array(Type.Object({ path: Type.String(), size: Type.Integer(), sha256: Type.String() })),
  profile: Type.Object({ rowCount: Type.Integer(), columns: Type.Array(ColumnProfileSchema) }),
});

export const DatasetSchema = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  createdAt: Type.Integer(),
  latestVersion: Type.Integer(),
});

export const DatasetDiffSchema = Type.Object({
  from: Type.Object({ name: Type.String(), version: Type.Integer(), digest: Type.String() }),
  to: Type.Object({ name: Type.String(), version: Type.Integer(), digest: Type.String() }),
  sameContent: Type.Boolean(),
  rowCount: Move,
  schema: Type.Array(
    Type.Object({
      column: Type.String(),
      change: Type.String(),
      from: Type.Optional(Type.String()),
      to: Type.Optional(Type.String()),
    }),
  ),
  columns: Type.Array(
    Type.Object({
      name: Type.String(),
      missingShare: Move,
      distinct: Move,
      mean: Type.Optional(
        Type.Object({
          from: Type.Number(),
          to: Type.Number(),
          delta: Type.Number(),
          inStd: Type.Optional(Type.Number()),
        }),
      ),
      std: Type.Optional(Move),
      median: Type.Optional(Move),
      topValues: Type.Optional(
        Type.Object({ added: Type.Array(Type.String()), removed: Type.Array(Type.String()) }),
      ),
    }),
  ),
});

/** A version in a path: a number, or `latest`. */
export const DatasetVersionParams = Type.Object({
  name: Type.String(),
  version: Type.Union([Type.Literal('latest'), Type.String({ pattern: '^[1-9][0-9]{0,9}$' })]),
});
