import { datasetVersionUri } from '../data/dataset-ref.js';
import type { DatasetVersion } from '../data/types.js';
import { datasetContextTag } from './runs.js';
import type { DatasetInput } from './types.js';

/** DuckDB types in MLflow's column-spec names, so MLflow's UI and client read the schema. */
function mlflowType(duckdbType: string): string {
  if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT)$/.test(duckdbType)) return 'integer';
  if (/INT/.test(duckdbType)) return 'long';
  if (duckdbType === 'FLOAT') return 'float';
  if (duckdbType === 'DOUBLE' || duckdbType.startsWith('DECIMAL')) return 'double';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  if (/^(DATE|TIMESTAMP)/.test(duckdbType)) return 'datetime';
  if (duckdbType === 'BLOB') return 'binary';
  return 'string';
}

/**
 * The dataset input a run logs for a mloop dataset version, in MLflow's shape: the dataset's
 * name, the version's whole digest (the one form lineage stores and looks up), source
 * `mloop://datasets/NAME/VERSION`, the schema as an MLflow column spec and a short profile.
 */
export function datasetVersionInput(version: DatasetVersion, context?: string): DatasetInput {
  const schema = {
    mlflow_colspec: version.schema.map((c) => ({ name: c.name, type: mlflowType(c.type) })),
  };
  const profile = {
    num_rows: version.rowCount,
    num_elements: version.rowCount * version.schema.length,
    format: version.format,
    size_bytes: version.sizeBytes,
  };
  return {
    dataset: {
      name: version.name,
      digest: version.digest,
      sourceType: 'mloop',
      source: datasetVersionUri(version.name, version.version),
      schema: JSON.stringify(schema),
      profile: JSON.stringify(profile),
    },
    tags: context ? [{ key: datasetContextTag, value: context }] : [],
  };
}
