/** The data domain's tables, as Kysely sees them (see migration 0006-datasets). */
export interface DatasetTables {
  dataset_names: {
    name: string;
    description: string | null;
    created_at: number;
    last_version: number;
  };
  dataset_versions: {
    name: string;
    version: number;
    digest: string;
    format: string;
    schema: string;
    row_count: number;
    size_bytes: number;
    files: string;
    storage_path: string;
    source: string | null;
    parent_version: number | null;
    profile: string;
    created_at: number;
    created_by: string | null;
    tags: string | null;
    /** JSON column → redact|hash (migration 0013); null when no column is personal. */
    pii: string | null;
  };
}

export type DatasetVersionRow = DatasetTables['dataset_versions'];
