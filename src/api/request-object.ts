import type { FastifyRequest } from 'fastify';

/** The object a request is about, for project resolution and the audit log. */
export interface RequestObject {
  kind: string;
  id: string;
}

type Bag = Record<string, unknown> | undefined;

/**
 * Reads the object a route acts on from its path parameters, query or JSON body, by the names
 * mloop's and MLflow's routes use. Cheap and best-effort: an unknown shape is no object.
 */
export function objectOfRequest(request: FastifyRequest): RequestObject | undefined {
  const url = request.routeOptions.url ?? '';
  const params = request.params as Bag;
  const query = request.query as Bag;
  const body = isRecord(request.body) ? request.body : undefined;
  const pick = (key: string): string | undefined => {
    for (const bag of [params, query, body]) {
      const value = bag?.[key];
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number') return String(value);
    }
    return undefined;
  };
  const lineage = lineageObject(url, params);
  if (lineage) return lineage;
  const kindOf = (): string | undefined => {
    if (/\/(models|registered-models|model-versions|serving)\b|^\/v2\/models/.test(url)) return 'model';
    if (url.includes('/promotion-requests')) return 'promotion-request';
    if (url.includes('/deployments')) return 'deployment';
    if (url.includes('/datasets')) return 'dataset';
    if (url.includes('/pipeline-runs')) return 'pipeline-run';
    if (url.includes('/pipelines')) return 'pipeline';
    if (url.includes('/experiments')) return 'experiment';
    // MLflow 3's traces (their spans are uploaded through the artifact proxy, a run's route).
    if (/\/traces(\/|$)|\/get-trace-artifact$/.test(url)) return 'trace';
    // Before runs: a logged model's files are under /logged-models/:model_id/artifacts.
    if (url.includes('/logged-models')) return 'logged-model';
    if (url.includes('/runs') || url.includes('/metrics/') || url.includes('/artifacts')) return 'run';
    if (url.includes('/alert-rules')) return 'alert-rule';
    if (url.includes('/predictions') || url.includes('feedback')) return 'prediction';
    return undefined;
  };
  const kind = kindOf();
  if (!kind) return undefined;
  const id =
    kind === 'experiment'
      ? (pick('experiment_id') ?? pick('id') ?? pick('experiment_name') ?? pick('name'))
      : kind === 'run'
        ? (pick('run_id') ?? pick('run_uuid') ?? pick('id'))
        : kind === 'logged-model'
          ? pick('model_id')
          : kind === 'trace'
            ? (pick('trace_id') ?? pick('request_id') ?? pick('id'))
            : kind === 'prediction'
              ? (pick('predictionId') ?? pick('prediction_id') ?? pick('id'))
              : kind === 'pipeline-run' || kind === 'promotion-request'
                ? pick('id')
                : pick('name');
  return id === undefined ? { kind, id: '' } : { kind, id };
}

// The lineage route names its object by kind and path: model-version NAME/V, dataset NAME/V (or a
// digest, which names no dataset), run, deployment and prediction by id or name.
function lineageObject(url: string, params: Bag): RequestObject | undefined {
  if (!url.includes('/lineage/')) return undefined;
  const path = typeof params?.['*'] === 'string' ? params['*'] : '';
  const first = path.split('/')[0] ?? '';
  switch (params?.kind) {
    case 'model-version':
      return { kind: 'model', id: first };
    case 'dataset':
      return { kind: 'dataset', id: first };
    case 'run':
    case 'deployment':
    case 'prediction':
      return { kind: params.kind, id: path };
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
