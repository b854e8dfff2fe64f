import { Type, type Static } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import type { MonitorReport } from '../../monitoring/monitor-report.js';
import { parseWindowLength } from '../../monitoring/window-spec.js';
import type { Platform } from '../../platform.js';
import type { App } from '../server.js';
import { MonitorReportSchema } from './monitoring-schemas.js';
import { ErrorSchema } from './tracking-schemas.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema };

const MonitorQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'The version to report on' })),
  alias: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'The version an alias points at (default: production, else the latest)',
    }),
  ),
  window: Type.Optional(
    Type.String({ description: 'Length of the current window ending now (default 24h)' }),
  ),
  reference: Type.Optional(
    Type.String({
      description:
        'A dataset version NAME/VERSION or a past window `window:-7d..-1d`; default the data the version was trained on',
    }),
  ),
  deployment: Type.Optional(Type.String({ description: 'Only predictions this deployment routed' })),
  allVersions: Type.Optional(Type.Boolean({ description: "Every version's predictions in the window" })),
  driftShare: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Dataset drift from this share of drifted columns (0.5)',
    }),
  ),
});

/** Drift and data quality of a model's recent predictions, as `mloop monitor report` prints them. */
export function registerMonitoringRoutes(app: App, platform: Platform): void {
  app.get(
    '/api/v1/models/:name/monitoring',
    {
      schema: {
        tags: ['monitoring'],
        summary:
          "Drift per feature (with reference and current histograms) and data quality of a model's prediction window",
        params: Type.Object({ name: Type.String() }),
        querystring: MonitorQuery,
        response: { 200: MonitorReportSchema, ...errors },
      },
    },
    async (req) =>
      wire(await platform.monitoring.reports.report(await requestOf(platform, req.params.name, req.query))),
  );
}

async function requestOf(platform: Platform, name: string, q: Static<typeof MonitorQuery>) {
  if (q.version !== undefined && q.alias !== undefined)
    throw invalidParameter('alias', 'give version or alias, not both');
  storedReference(q.reference);
  return {
    ref: await versionRef(platform, name, q),
    windowMs: parseWindowLength(q.window ?? '24h', 'window'),
    reference: q.reference,
    deployment: q.deployment,
    allVersions: q.allVersions,
    driftShare: q.driftShare,
  };
}

// Without a version or alias, the one production serves is what people mean; a model without
// that alias is reported on its latest version.
async function versionRef(platform: Platform, name: string, q: Static<typeof MonitorQuery>): Promise<string> {
  if (q.version !== undefined) return `${name}/${q.version}`;
  if (q.alias !== undefined) return `${name}@${q.alias}`;
  const production = await platform.registry.resolve(`${name}@production`).catch(() => undefined);
  return production ? `${name}@production` : `${name}/latest`;
}

/** JSON has no NaN: a statistic that could not be computed is left out (its column carries a note). */
function wire(report: MonitorReport): MonitorReport {
  return {
    ...report,
    drift: {
      ...report.drift,
      columns: report.drift.columns.map((c) => {
        const column = { ...c };
        if (!Number.isFinite(column.statistic)) delete (column as Partial<typeof c>).statistic;
        if (column.pValue !== undefined && !Number.isFinite(column.pValue)) delete column.pValue;
        return column;
      }),
    },
  };
}

/**
 * A drift reference named over HTTP: stored data (a dataset version NAME/VERSION) or a past window,
 * never a path on the server's disk, which the server would read for the caller.
 */
export function storedReference(reference: string | undefined): void {
  if (reference !== undefined && !/^window:|^[^/\\]+\/\d+$/.test(reference))
    throw invalidParameter(
      'reference',
      'reference must be a dataset version NAME/VERSION or a past window such as window:-7d..-1d, not a file path',
    );
}
