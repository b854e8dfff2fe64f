/** Row shapes of migration 0011 (governance), as the database returns them. */
export interface ApiTokenRow {
  id: string;
  name: string;
  user_name: string;
  token_hash: string;
  is_admin: number;
  created_time: number;
  last_used_time: number | null;
  revoked_time: number | null;
}

export interface ProjectMemberRow {
  project: string;
  user_name: string;
  role: string;
  created_time: number;
}

export interface ObjectProjectRow {
  kind: string;
  object_key: string;
  project: string;
}

export interface PromotionRequestRow {
  id: string;
  model: string;
  alias: string;
  version: number;
  reason: string | null;
  requested_by: string;
  requested_time: number;
  status: string;
  decided_by: string | null;
  decided_time: number | null;
  /** The deployment whose rollout the approval is for; null: the approval moves the alias. */
  deployment: string | null;
}

export interface AuditRow {
  seq: number;
  time: number;
  actor: string;
  action: string;
  outcome: string;
  method: string;
  path: string;
  status: number;
  object_kind: string | null;
  object_id: string | null;
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  /** The kind of change (migration 0016); null on entries written before it. */
  kind: string | null;
}

/** The one row (id 1) naming the newest audit entry, sealed with a MAC under a key outside the database. */
export interface AuditHeadRow {
  id: number;
  seq: number;
  hash: string;
  mac: string | null;
}

/** Where the chain starts after retention (migration 0026): the last removed entry's seq and hash, sealed. */
export interface AuditCheckpointRow {
  id: number;
  seq: number;
  hash: string;
  /** When retention removed the entries up to `seq`. */
  time: number;
  mac: string;
}

export interface GovernanceTables {
  api_tokens: ApiTokenRow;
  project_members: ProjectMemberRow;
  object_projects: ObjectProjectRow;
  promotion_requests: PromotionRequestRow;
  audit_log: AuditRow;
  audit_head: AuditHeadRow;
  audit_checkpoint: AuditCheckpointRow;
}
