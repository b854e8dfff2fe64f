import { Type } from '@sinclair/typebox';

/**
 * Wire schemas of the inference routes. Inference bodies use snake_case, as the Open Inference
 * Protocol and MLflow's scoring server do, so one vocabulary covers every inference format; the
 * prediction log's read routes are native REST and camelCase, like the rest of `/api/v1`.
 */

export const ErrorSchema = Type.Object({
  error_code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
});

/** Open Inference Protocol errors also carry the message as `error`. */
export const OipErrorSchema = Type.Object({
  error: Type.String(),
  error_code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
});

const Label = Type.Union([Type.String(), Type.Number()]);
const Probabilities = Type.Record(Type.String(), Type.Number(), {
  description: 'Class label → probability',
});

export const VersionQuery = Type.Object({
  alias: Type.Optional(
    Type.String({ description: 'Serve this alias (default: champion, else the newest version)' }),
  ),
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'Serve this version number' })),
});

export const PredictBody = Type.Object({
  records: Type.Optional(
    Type.Array(Type.Unknown(), {
      description: 'Records: feature name → value; checked against the signature',
    }),
  ),
  record: Type.Optional(Type.Unknown({ description: 'One record, instead of records' })),
  key: Type.Optional(
    Type.String({ description: 'Caller key (user or session id), logged with each prediction' }),
  ),
});

export const PredictResponse = Type.Object({
  request_id: Type.String(),
  model_name: Type.String(),
  model_version: Type.String(),
  predictions: Type.Array(
    Type.Object({
      id: Type.String({ description: 'Prediction id: where the prediction log keeps this record' }),
      label: Type.Optional(Label),
      value: Type.Optional(Type.Number()),
      probabilities: Type.Optional(Probabilities),
    }),
  ),
});

export const InvocationsBody = Type.Object(
  {
    dataframe_split: Type.Optional(
      Type.Object({
        columns: Type.Array(Type.String()),
        data: Type.Array(Type.Array(Type.Unknown())),
        index: Type.Optional(Type.Array(Type.Unknown())),
      }),
    ),
    dataframe_records: Type.Optional(Type.Array(Type.Unknown())),
    instances: Type.Optional(Type.Array(Type.Unknown())),
    inputs: Type.Optional(Type.Unknown()),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {
    description:
      "MLflow's scoring formats: exactly one of dataframe_split, dataframe_records, instances, inputs",
  },
);

export const InvocationsResponse = Type.Object({
  predictions: Type.Array(Type.Union([Label, Type.Null()]), {
    description: 'One label (classifiers) or value (regressors) per record, as MLflow answers',
  }),
  probabilities: Type.Optional(Type.Array(Probabilities)),
  prediction_ids: Type.Array(Type.String()),
  request_id: Type.String(),
  model_name: Type.String(),
  model_version: Type.String(),
});

const TensorData = Type.Array(Type.Unknown(), { description: 'Row-major values, flat or nested' });

export const OipTensorSchema = Type.Object({
  name: Type.String(),
  datatype: Type.String(),
  shape: Type.Array(Type.Integer()),
  data: TensorData,
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const OipTensorMetadataSchema = Type.Object({
  name: Type.String(),
  datatype: Type.String(),
  shape: Type.Array(Type.Integer()),
});

export const OipInferBody = Type.Object({
  id: Type.Optional(Type.String()),
  inputs: Type.Array(OipTensorSchema),
  outputs: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
    ),
  ),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const OipInferResponse = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.String(),
  parameters: Type.Object({
    request_id: Type.String(),
    prediction_ids: Type.Array(Type.String()),
  }),
  outputs: Type.Array(OipTensorSchema),
});

export const OipModelMetadata = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(OipTensorMetadataSchema),
  outputs: Type.Array(OipTensorMetadataSchema),
});

export const LoggedPredictionSchema = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  time: Type.Integer(),
  model: Type.String(),
  version: Type.Integer(),
  deployment: Type.Optional(Type.String()),
  arm: Type.String(),
  inputs: Type.Record(Type.String(), Type.Unknown()),
  outputs: Type.Object({
    label: Type.Optional(Label),
    value: Type.Optional(Type.Number()),
    probabilities: Type.Optional(Probabilities),
  }),
  latencyMs: Type.Number(),
  requestKey: Type.Optional(Type.String()),
});
