/**
 * MLflow's UI routes in the URL's hash (`/#/experiments/1/runs/abc`), which the mlflow client
 * prints after every run ("View run at ..."); each is the path of the dashboard's matching page.
 */
const routes: [RegExp, (m: string[], query: URLSearchParams) => string][] = [
  // A run, or one of its tabs (/artifacts/..., /model-metrics).
  [/^\/experiments\/([^/]+)\/runs\/([^/]+)(\/.*)?$/, (m) => `/runs/${m[2]}`],
  [/^\/experiments\/([^/]+)(\/.*)?$/, (m) => `/experiments/${m[1]}`],
  [/^\/models\/([^/]+)\/versions\/([^/]+)(\/.*)?$/, (m) => `/models/${m[1]}/versions/${m[2]}`],
  [/^\/models\/([^/]+)$/, (m) => `/models/${m[1]}`],
  [/^\/models\/?$/, () => '/models'],
  [/^\/?$/, () => '/'],
  // Runs compared: runs=["id1","id2"] as JSON.
  [/^\/compare-runs$/, (_m, query) => `/compare?runs=${compareRuns(query.get('runs')).join(',')}`],
];

function compareRuns(json: string | null): string[] {
  try {
    const ids: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** The dashboard path an MLflow hash route (`#/experiments/1/runs/abc`) stands for, if it is one. */
export function pathOfMlflowHash(hash: string): string | undefined {
  if (!hash.startsWith('#/')) return undefined;
  const [route = '', search = ''] = hash.slice(1).split('?', 2);
  const query = new URLSearchParams(search);
  for (const [pattern, path] of routes) {
    const m = pattern.exec(route);
    if (m) return path(m, query);
  }
  return undefined;
}
