/**
 * MLflow serves its REST API twice: under `/api/` for clients and under `/ajax-api/` for its web
 * UI (and tools written against the UI's calls). mloop declares each route once, under `/api/`,
 * and rewrites the UI's prefix to it before routing, so both prefixes reach the same handler,
 * schema and permission.
 */
const uiPrefix = /^\/ajax-api\/([23]\.0\/mlflow(?:-artifacts)?(?:[/?]|$))/;

/** `/ajax-api/2.0/mlflow/runs/get?…` → `/api/2.0/mlflow/runs/get?…`; any other URL as it is. */
export function apiUrlOfUiUrl(url: string): string {
  return url.replace(uiPrefix, '/api/$1');
}
