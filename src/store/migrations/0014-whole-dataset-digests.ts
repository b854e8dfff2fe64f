import type { Kysely } from 'kysely';
import type { MigrationStep } from './index.js';

interface Tables {
  dataset_versions: { name: string; version: number; digest: string };
  datasets: { dataset_id: string; name: string; digest: string; source_type: string; source: string };
  model_versions: { registered_model_id: string; version: number; lineage: string };
}

interface LineageDataset {
  name: string;
  digest: string;
  versionId?: string;
}

// Runs logged a mloop dataset version's digest cut to MLflow's 36 characters, and model versions
// copied it into their lineage, so looking a dataset version up by its digest found no model.
// Both now hold the whole digest: this step restores it in the rows written before.
export const wholeDatasetDigests: MigrationStep = async (raw: Kysely<unknown>) => {
  const db = raw as Kysely<Tables>;
  const versions = await db.selectFrom('dataset_versions').select(['name', 'version', 'digest']).execute();
  if (versions.length === 0) return;
  const byVersion = new Map(versions.map((v) => [`${v.name}/${Number(v.version)}`, v.digest]));
  const byName = new Map<string, string[]>();
  for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v.digest]);
  // The whole digest a cut one stands for: the version the URI names, else the one version of that
  // name whose digest starts with it.
  const whole = (name: string, cut: string, versionId: string | undefined): string | undefined => {
    const named = versionId ? byVersion.get(versionId) : undefined;
    if (named?.startsWith(cut)) return named;
    const matches = (byName.get(name) ?? []).filter((d) => d.startsWith(cut));
    return matches.length === 1 ? matches[0] : undefined;
  };

  const inputs = await db
    .selectFrom('datasets')
    .select(['dataset_id', 'name', 'digest', 'source'])
    .where('source_type', '=', 'mloop')
    .execute();
  for (const row of inputs) {
    const versionId = /^mloop:\/\/datasets\/(.+\/\d+)$/.exec(row.source)?.[1];
    const digest = whole(row.name, row.digest, versionId);
    if (digest && digest !== row.digest)
      await db.updateTable('datasets').set({ digest }).where('dataset_id', '=', row.dataset_id).execute();
  }

  const models = await db
    .selectFrom('model_versions')
    .select(['registered_model_id', 'version', 'lineage'])
    .execute();
  for (const row of models) {
    const lineage = JSON.parse(row.lineage) as { datasets?: LineageDataset[] };
    let changed = false;
    for (const d of lineage.datasets ?? []) {
      const digest = whole(d.name, d.digest, d.versionId);
      if (digest && digest !== d.digest) {
        d.digest = digest;
        changed = true;
      }
    }
    if (changed)
      await db
        .updateTable('model_versions')
        .set({ lineage: JSON.stringify(lineage) })
        .where('registered_model_id', '=', row.registered_model_id)
        .where('version', '=', row.version)
        .execute();
  }
};
