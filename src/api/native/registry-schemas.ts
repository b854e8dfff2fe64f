import { Type } from '@sinclair/typebox';
import { TagSchema } from './tracking-schemas.js';

/** Schemas of the native API's registry objects (camelCase, as the SDK's types). */
export const ModelAliasSchema = Type.Object({ alias: Type.String(), version: Type.Integer() });

export const RegisteredModelSchema = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
  creationTime: Type.Integer(),
  lastUpdatedTime: Type.Integer(),
  tags: Type.Array(TagSchema),
  aliases: Type.Array(ModelAliasSchema),
  latestVersion: Type.Optional(Type.Integer()),
});

const FeatureTypeSchema = Type.Union(
  ['float32', 'float64', 'int32', 'int64', 'string', 'bool'].map((t) => Type.Literal(t)),
);

export const ModelMetadataSchema = Type.Object({
  format: Type.String(),
  task: Type.String(),
  inputs: Type.Array(
    Type.Object({
      name: Type.String(),
      type: FeatureTypeSchema,
      optional: Type.Optional(Type.Boolean()),
      nullable: Type.Optional(Type.Boolean()),
      pii: Type.Optional(
        Type.Union([Type.Boolean(), Type.Literal('redact'), Type.Literal('hash')], {
          description: 'Personal data: true or "redact" logs [redacted], "hash" logs a keyed hash',
        }),
      ),
    }),
  ),
  layout: Type.Object({
    kind: Type.String(),
    inputName: Type.Optional(Type.String()),
    tensorType: Type.Optional(FeatureTypeSchema),
  }),
  outputs: Type.Object({ label: Type.String(), probabilities: Type.Optional(Type.String()) }),
  classLabels: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number()]))),
});

export const ModelConversionSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('converted'), Type.Literal('failed')]),
    flavor: Type.String(),
    reason: Type.Optional(Type.String()),
    estimator: Type.Optional(Type.String()),
    converters: Type.Optional(Type.Record(Type.String(), Type.String())),
    targetOpset: Type.Optional(Type.Integer()),
    sampleRows: Type.Optional(Type.Integer()),
    sampleSource: Type.Optional(Type.String()),
    maxDifference: Type.Optional(Type.Number()),
    labelsDiffering: Type.Optional(Type.Integer()),
  },
  { description: "mloop's ONNX conversion of an MLflow model and its check on a sample" },
);

export const LineageSchema = Type.Object({
  runId: Type.Optional(Type.String()),
  datasets: Type.Array(
    Type.Object({ name: Type.String(), digest: Type.String(), versionId: Type.Optional(Type.String()) }),
  ),
  git: Type.Optional(
    Type.Object({ commit: Type.String(), dirty: Type.Boolean(), remote: Type.Optional(Type.String()) }),
  ),
  packages: Type.Optional(Type.Record(Type.String(), Type.String())),
  conversion: Type.Optional(ModelConversionSchema),
});

export const ModelVersionSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  creationTime: Type.Integer(),
  lastUpdatedTime: Type.Integer(),
  description: Type.Optional(Type.String()),
  userId: Type.Optional(Type.String()),
  source: Type.String(),
  runId: Type.Optional(Type.String()),
  runLink: Type.Optional(Type.String()),
  loggedModelId: Type.Optional(Type.String()),
  storagePath: Type.String(),
  files: Type.Optional(
    Type.Array(Type.Object({ path: Type.String(), size: Type.Integer(), sha256: Type.String() }), {
      description: 'Each file as registered, with its sha256; a load refuses files that differ',
    }),
  ),
  status: Type.String(),
  statusMessage: Type.Optional(Type.String()),
  stage: Type.String(),
  format: Type.Optional(Type.String()),
  metadata: Type.Optional(ModelMetadataSchema),
  tags: Type.Array(TagSchema),
  aliases: Type.Array(Type.String()),
  lineage: LineageSchema,
});

export const PromotionSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  alias: Type.String(),
  fromVersion: Type.Optional(Type.Integer()),
  toVersion: Type.Optional(Type.Integer()),
  actor: Type.String(),
  reason: Type.Optional(Type.String()),
  time: Type.Integer(),
});

/** What an alias change answers: the record of the move (none when nothing moved). */
export const AliasChangeSchema = Type.Object({ promotion: Type.Optional(PromotionSchema) });

export const NameParam = Type.Object({ name: Type.String() });
export const VersionParams = Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) });
