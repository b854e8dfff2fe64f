/**
 * The kinds of change the audit trail records. The first six are what an auditor reads first;
 * `tracking` (experiments, runs, their metrics and artifacts) is high-volume and shown on request.
 */
export const changeKinds = [
  'model',
  'alias',
  'deployment',
  'dataset',
  'pipeline',
  'access',
  'privacy',
  'monitoring',
  'tracking',
] as const;
export type ChangeKind = (typeof changeKinds)[number];

/** The kinds `mloop audit` shows unless asked for others: changes to what is trained, served and who may act. */
export const defaultChangeKinds: readonly ChangeKind[] = [
  'model',
  'alias',
  'deployment',
  'dataset',
  'pipeline',
  'access',
  'privacy',
];

/** One change a domain service made, as it describes it; the trail adds who, when and how. */
export interface Change {
  kind: ChangeKind;
  /** `KIND.VERB`: `model.register`, `alias.set`, `deployment.update`, `access.token-create`… */
  action: string;
  objectKind: string;
  objectId: string;
  /** Ids and small values (never contents or secrets) before and after the change. */
  before?: unknown;
  after?: unknown;
}

/**
 * Where domain services record their changes (the governance audit log). A service calls it once
 * its change has committed, so every way in (HTTP, the embedded CLI, a pipeline step, the rollout
 * controller) is recorded the same way.
 */
export interface AuditTrail {
  record(change: Change): Promise<void>;
}

/** For services built without a trail (unit tests of a single service). */
export const noAuditTrail: AuditTrail = { record: async () => undefined };
