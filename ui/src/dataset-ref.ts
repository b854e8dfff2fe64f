/**
 * Where a dataset reference from a run input or model lineage points in the dashboard: mloop
 * dataset versions are named by `mloop://datasets/NAME/VERSION`, `NAME/VERSION`, or NAME plus the
 * version's content digest (model lineage); the dataset page resolves a digest to its version.
 */
export function datasetPath(ref: { name: string; digest?: string; source?: string }): string | undefined {
  const match =
    /^mloop:\/\/datasets\/(.+)\/(\d+)$/.exec(ref.source ?? '') ?? /^([^/]+)\/(\d+)$/.exec(ref.name);
  if (match) return `/datasets/${encodeURIComponent(match[1] as string)}?version=${match[2]}`;
  if (ref.source !== undefined) return undefined; // a run input that is not an mloop dataset
  return ref.digest
    ? `/datasets/${encodeURIComponent(ref.name)}?digest=${encodeURIComponent(ref.digest)}`
    : undefined;
}
