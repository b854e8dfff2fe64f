/** Row shapes of the registry's tables (migration 0003), as the database returns them. */

export interface RegisteredModelRow {
  registered_model_id: string;
  name: string;
  description: string | null;
  user_id: string | null;
  creation_time: number;
  last_updated_time: number;
  last_version: number;
}

export interface ModelVersionRow {
  registered_model_id: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  source: string;
  run_id: string | null;
  run_link: string | null;
  logged_model_id: string | null;
  storage_path: string;
  status: string;
  status_message: string | null;
  stage: string;
  format: string | null;
  metadata: string | null;
  lineage: string;
  /** JSON `ModelFile[]`, recorded at registration (migration 0015); null for older versions. */
  files: string | null;
}

export interface PromotionRow {
  promotion_id: string;
  registered_model_id: string;
  seq: number;
  model_name: string;
  kind: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string | null;
  created_time: number;
}

export interface RegistryTables {
  registered_models: RegisteredModelRow;
  registered_model_tags: { registered_model_id: string; key: string; value: string };
  model_versions: ModelVersionRow;
  model_version_tags: { registered_model_id: string; version: number; key: string; value: string };
  model_aliases: { registered_model_id: string; alias: string; version: number };
  promotions: PromotionRow;
}
