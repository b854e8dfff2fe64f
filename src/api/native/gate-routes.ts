import { Type } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import { gateSpecOf } from '../../training/gates/gate-spec.js';
import type { App } from '../server.js';
import { NameParam, VersionParams } from './registry-schemas.js';
import { ErrorSchema, Ok } from './tracking-schemas.js';

const v1 = '/api/v1/models';
const errors = { 400: ErrorSchema, 404: ErrorSchema };
const tags = ['models'];

const GateCheckSchema = Type.Object({
  name: Type.String(),
  passed: Type.Boolean(),
  observed: Type.Optional(Type.Number()),
  threshold: Type.Number(),
  reason: Type.String(),
});

export const GateReportSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  time: Type.Integer(),
  passed: Type.Boolean(),
  holdout: Type.String(),
  rows: Type.Integer(),
  baseline: Type.Optional(Type.Object({ alias: Type.String(), version: Type.Integer() })),
  checks: Type.Array(GateCheckSchema),
});

/** Any JSON object: a gate spec, checked field by field by `gateSpecOf` (errors name `gate.…`). */
const GateSpecSchema = Type.Record(Type.String(), Type.Unknown());

/**
 * Evaluation gates over HTTP: hold a model to a gate, run it on a version against a dataset
 * version (never a server path), and read the reports. Each route names its own action.
 */
export function registerGateRoutes(app: App, platform: Platform): void {
  const { gates } = platform.registry;

  app.put(
    `${v1}/:name/gate`,
    {
      config: { action: 'models.write' },
      schema: {
        tags,
        summary: 'Hold a model to an evaluation gate (protected aliases then need a passing report)',
        params: NameParam,
        body: Type.Object({ gate: GateSpecSchema }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      gateSpecOf(req.body.gate);
      await gates.setGate(req.params.name, req.body.gate);
      return {};
    },
  );

  app.get(
    `${v1}/:name/gate`,
    {
      config: { action: 'models.read' },
      schema: {
        tags,
        summary: 'The evaluation gate a model is held to (null when none)',
        params: NameParam,
        response: { 200: Type.Object({ gate: Type.Union([GateSpecSchema, Type.Null()]) }), ...errors },
      },
    },
    async (req) => ({ gate: (await gates.getGate(req.params.name)) ?? null }),
  );

  app.post(
    `${v1}/:name/versions/:version/gate-reports`,
    {
      config: { action: 'models.write' },
      schema: {
        tags,
        summary: 'Run an evaluation gate on a version and store the report on it',
        description:
          'Scores the version (and the version `compare_to` names) on a dataset version `NAME/VERSION`. ' +
          "Without `gate`, the model's own gate is used; `save` holds the model to the given gate.",
        params: VersionParams,
        body: Type.Object({
          holdout: Type.String({ minLength: 1 }),
          gate: Type.Optional(GateSpecSchema),
          label: Type.Optional(Type.String({ minLength: 1 })),
          save: Type.Optional(Type.Boolean()),
        }),
        response: { 201: GateReportSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(
        await platform.gates.run({
          name: req.params.name,
          version: req.params.version,
          holdout: req.body.holdout,
          gate: req.body.gate,
          label: req.body.label,
          save: req.body.save,
          datasetsOnly: true,
        }),
      ),
  );

  app.get(
    `${v1}/:name/versions/:version/gate-reports`,
    {
      config: { action: 'models.read' },
      schema: {
        tags,
        summary: "A version's gate reports, newest first",
        params: VersionParams,
        response: { 200: Type.Object({ reports: Type.Array(GateReportSchema) }), ...errors },
      },
    },
    async (req) => ({ reports: await gates.reports(req.params.name, req.params.version) }),
  );
}
