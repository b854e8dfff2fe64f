import { Type } from '@sinclair/typebox';
import { parseSuite } from '../../data/validation/suite.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { ErrorSchema } from './tracking-schemas.js';

const v1 = '/api/v1/datasets';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const t = ['datasets'];

const VersionParams = Type.Object({
  name: Type.String(),
  version: Type.String({ description: 'a version number, `latest`, or a digest prefix' }),
});

const Bounds = Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) });

/** A suite: the YAML file's shape as JSON. Checked in full by the suite parser, which names the check. */
const SuiteSchema = Type.Object(
  {
    checks: Type.Array(
      Type.Object(
        {
          column: Type.Optional(Type.String()),
          type: Type.Optional(Type.String()),
          max_missing: Type.Optional(Type.Number()),
          not_null: Type.Optional(Type.Boolean()),
          range: Type.Optional(Bounds),
          allowed: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
          regex: Type.Optional(Type.String()),
          unique: Type.Optional(Type.Boolean()),
          rows: Type.Optional(Bounds),
          distribution: Type.Optional(
            Type.Object({
              reference: Type.String(),
              test: Type.Optional(Type.String()),
              threshold: Type.Optional(Type.Number()),
            }),
          ),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

const CheckResultSchema = Type.Object({
  check: Type.Object({
    index: Type.Integer(),
    kind: Type.String(),
    column: Type.Optional(Type.String()),
    label: Type.String(),
  }),
  passed: Type.Boolean(),
  observed: Type.Unknown(),
  expected: Type.Unknown(),
  failing_rows_count: Type.Integer(),
  examples: Type.Array(Type.Object({ row: Type.Integer(), value: Type.Unknown() })),
  note: Type.Optional(Type.String()),
});

const ValidationSchema = Type.Object({
  id: Type.Integer(),
  dataset: Type.String(),
  version: Type.Integer(),
  suiteDigest: Type.String(),
  passed: Type.Boolean(),
  summary: Type.String(),
  report: Type.Object({
    passed: Type.Boolean(),
    suite_digest: Type.String(),
    rows: Type.Integer(),
    checks: Type.Array(CheckResultSchema),
  }),
  createdAt: Type.Integer(),
});

/** `NAME/3` for a number, `NAME` for latest, `NAME@PREFIX` for a digest: the dataset service's refs. */
function versionRef(params: { name: string; version: string }): string {
  if (/^\d+$/.test(params.version)) return `${params.name}/${params.version}`;
  if (params.version === 'latest') return params.name;
  return `${params.name}@${params.version}`;
}

/** Validation suites on dataset versions: run one (and store its report), list reports, suggest a suite. */
export function registerDatasetValidationRoutes(app: App, platform: Platform): void {
  const { validation } = platform.data;

  app.post(
    `${v1}/:name/versions/:version/validations`,
    {
      schema: {
        tags: t,
        summary: 'Run a validation suite on a dataset version and store the report',
        description:
          'The body is a suite (`{"checks": [...]}`, the YAML file format as JSON); an empty body `{}` ' +
          'runs the suite the dataset requires. `require=true` makes the suite required before training. ' +
          'A failed suite is still a 201: read `passed`.',
        params: VersionParams,
        querystring: Type.Object({ require: Type.Optional(Type.Boolean()) }),
        body: Type.Union([SuiteSchema, Type.Object({}, { additionalProperties: false })]),
        response: { 201: ValidationSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { checks?: unknown };
      const suite = body.checks === undefined ? undefined : parseSuite(body);
      const record = await validation.validate(versionRef(req.params), suite, {
        require: req.query.require === true,
      });
      return reply.status(201).send(record);
    },
  );

  app.get(
    `${v1}/:name/versions/:version/validations`,
    {
      schema: {
        tags: t,
        summary: "A dataset version's validation reports, newest first",
        params: VersionParams,
        querystring: Type.Object({ maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ validations: Type.Array(ValidationSchema) }), ...errors },
      },
    },
    async (req) => {
      const version = await validation.versionKey(versionRef(req.params));
      return { validations: await validation.list(version, { limit: req.query.maxResults ?? 100 }) };
    },
  );

  app.get(
    `${v1}/:name/versions/:version/suggested-suite`,
    {
      schema: {
        tags: t,
        summary: 'A starting validation suite inferred from a dataset version',
        params: VersionParams,
        querystring: Type.Object({ distribution: Type.Optional(Type.Boolean()) }),
        response: { 200: SuiteSchema, ...errors },
      },
    },
    async (req) =>
      validation.suggest(versionRef(req.params), { distribution: req.query.distribution === true }),
  );

  app.get(
    `${v1}/:name/versions/:version/training-readiness`,
    {
      schema: {
        tags: t,
        summary:
          'Whether the version may be used for training: its newest report (of the required suite, when the dataset requires one) passed; if not, the reason says what to run',
        params: VersionParams,
        response: {
          200: Type.Object({ ready: Type.Boolean(), reason: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => validation.trainingReadiness(versionRef(req.params)),
  );

  app.get(
    `${v1}/:name/required-suite`,
    {
      schema: {
        tags: t,
        summary: 'The suite a dataset requires before any of its versions is used for training',
        params: Type.Object({ name: Type.String() }),
        response: {
          200: Type.Object({
            required: Type.Union([
              Type.Object({
                dataset: Type.String(),
                suiteDigest: Type.String(),
                suite: SuiteSchema,
                createdAt: Type.Integer(),
              }),
              Type.Null(),
            ]),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({ required: (await validation.requiredSuite(req.params.name)) ?? null }),
  );
}
