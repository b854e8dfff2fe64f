/**
 * Where a dataset reference from a run input or model lineage points in the dashboard. mloop
 * datasets are named NAME/VERSION there; other names (MLflow datasets) have no page.
 */
export function datasetPath(name: string): string | undefined {
  const match = /^(.+)\/(\d+)$/.exec(name);
  return match ? `/datasets/${encodeURIComponent(match[1] as string)}?version=${match[2]}` : undefined;
}
