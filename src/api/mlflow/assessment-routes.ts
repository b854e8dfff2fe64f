import { Type } from '@sinclair/typebox';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import {
  assessmentFromWire,
  assessmentToWire,
  assessmentUpdateFromWire,
  WireAssessment,
} from './trace-wire.js';

const prefix = '/api/3.0/mlflow/traces/:trace_id/assessments';
const tags = ['mlflow-traces'];
const Params = Type.Object({ trace_id: Type.String(), assessment_id: Type.String() });

/** `update_mask` as protobuf JSON writes a FieldMask: `"assessmentName,feedback"`. */
function maskPaths(mask: string | { paths?: string[] } | undefined): string[] {
  const paths = typeof mask === 'string' ? mask.split(',') : (mask?.paths ?? []);
  return paths.filter(Boolean).map((p) => p.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}

/** MLflow 3's assessments of traces (`mlflow.log_feedback`, `mlflow.log_expectation`, ...). */
export function registerMlflowAssessmentRoutes(app: App, platform: Platform): void {
  const { assessments } = platform.tracking;

  app.post(
    prefix,
    {
      config: { action: 'runs.write' },
      schema: {
        tags,
        summary: 'Log an assessment of a trace',
        params: Type.Object({ trace_id: Type.String() }),
        body: Type.Object({ assessment: WireAssessment }),
      },
    },
    async (req) => ({
      assessment: assessmentToWire(
        await assessments.create(req.params.trace_id, assessmentFromWire(req.body.assessment)),
      ),
    }),
  );

  app.get(
    `${prefix}/:assessment_id`,
    {
      config: { action: 'runs.read' },
      schema: { tags, summary: 'An assessment of a trace', params: Params },
    },
    async (req) => ({
      assessment: assessmentToWire(await assessments.get(req.params.trace_id, req.params.assessment_id)),
    }),
  );

  app.patch(
    `${prefix}/:assessment_id`,
    {
      config: { action: 'runs.write' },
      schema: {
        tags,
        summary: 'Update an assessment of a trace',
        params: Params,
        body: Type.Object({
          assessment: Type.Partial(WireAssessment),
          update_mask: Type.Union([
            Type.String(),
            Type.Object({ paths: Type.Optional(Type.Array(Type.String())) }),
          ]),
        }),
      },
    },
    async (req) => {
      const update = assessmentUpdateFromWire(req.body.assessment, maskPaths(req.body.update_mask));
      const updated = await assessments.update(req.params.trace_id, req.params.assessment_id, update);
      return { assessment: assessmentToWire(updated) };
    },
  );

  app.delete(
    `${prefix}/:assessment_id`,
    {
      config: { action: 'runs.write' },
      schema: { tags, summary: 'Delete an assessment of a trace', params: Params },
    },
    async (req) => {
      await assessments.delete(req.params.trace_id, req.params.assessment_id);
      return {};
    },
  );
}
