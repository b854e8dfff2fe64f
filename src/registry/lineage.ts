import { parseDatasetVersionUri } from '../data/dataset-ref.js';
import { gitCommitTag, gitDirtyTag, gitRemoteTag } from '../tracking/git-source.js';
import type { Run } from '../tracking/types.js';
import type { Lineage } from './model-metadata.js';

/**
 * A version's lineage: the run that made it, the datasets that run read (name + digest), the git
 * commit it ran from, and the package versions of its environment. The run's records win over
 * what the model files say, since the server saw the run while the files are the client's word.
 */
export function buildLineage(run: Run | undefined, fromPackage: Lineage | undefined): Lineage {
  const datasets = new Map<string, Lineage['datasets'][number]>();
  for (const d of fromPackage?.datasets ?? []) datasets.set(`${d.name}\u0000${d.digest}`, d);
  for (const input of run?.inputs.datasetInputs ?? []) {
    const key = `${input.dataset.name}\u0000${input.dataset.digest}`;
    // A mloop dataset version names itself in its source URI: keep it as NAME/VERSION.
    const fromMloop = parseDatasetVersionUri(input.dataset.source);
    // A package written before digests were stored whole names the same version by a cut digest.
    for (const [k, d] of datasets)
      if (
        d.name === input.dataset.name &&
        d.digest !== input.dataset.digest &&
        input.dataset.digest.startsWith(d.digest)
      )
        datasets.delete(k);
    datasets.set(key, {
      ...datasets.get(key),
      name: input.dataset.name,
      digest: input.dataset.digest,
      ...(fromMloop ? { versionId: `${fromMloop.name}/${fromMloop.version}` } : {}),
    });
  }
  const tag = (key: string) => run?.data.tags.find((t) => t.key === key)?.value;
  const commit = tag(gitCommitTag);
  const remote = tag(gitRemoteTag);
  const git = commit
    ? {
        commit,
        dirty: ['true', '1', 'yes'].includes((tag(gitDirtyTag) ?? '').toLowerCase()),
        ...(remote ? { remote } : {}),
      }
    : fromPackage?.git;
  const runId = run?.info.runId ?? fromPackage?.runId;
  return {
    ...(runId ? { runId } : {}),
    datasets: [...datasets.values()],
    ...(git ? { git } : {}),
    ...(fromPackage?.packages && Object.keys(fromPackage.packages).length > 0
      ? { packages: fromPackage.packages }
      : {}),
  };
}
