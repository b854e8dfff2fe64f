import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { AliasService } from '../registry/aliases.js';
import type { Database } from '../store/database.js';
import type { AuditLog } from './audit.js';
import { LineageGraphService, type LineageSources } from './lineage-graph.js';
import { PrivacyService } from './privacy.js';
import { ProjectService } from './projects.js';
import type { FeedbackTables } from '../feedback/tables.js';
import type { PersonalData } from '../serving/personal-data.js';
import { PromotionRequestService } from './promotion-requests.js';
import type { GovernanceTables } from './tables.js';
import { auditTamperedFiles } from './tampered-files-audit.js';
import { TokenService } from './tokens.js';

/** Tokens, project roles, the audit log and four-eyes promotion requests. */
export interface GovernanceServices {
  tokens: TokenService;
  projects: ProjectService;
  audit: AuditLog;
  promotionRequests: PromotionRequestService;
  /** Lineage walks from a prediction, model version, run, dataset or deployment, both ways. */
  lineage: LineageGraphService;
  /** Forgetting a subject: its prediction-log rows and their labels. */
  privacy: PrivacyService;
}

export function createGovernanceServices(deps: {
  database: Database;
  clock: Clock;
  /** Registry events some of which are audited: loads refused for tampered files. */
  events: EventBus;
  /** The audit log, made first by the composition root: every domain records into it. */
  audit: AuditLog;
  aliases: Pick<AliasService, 'set'>;
  lineage: LineageSources;
  personalData: PersonalData;
  flushPredictions: () => Promise<void>;
}): GovernanceServices {
  const db = deps.database.tables<GovernanceTables>();
  auditTamperedFiles(deps.events, deps.audit);
  return {
    tokens: new TokenService(db, deps.clock, deps.audit),
    projects: new ProjectService(db, deps.clock, deps.audit),
    audit: deps.audit,
    promotionRequests: new PromotionRequestService(db, deps.aliases, deps.clock, deps.audit),
    lineage: new LineageGraphService(deps.lineage),
    privacy: new PrivacyService(
      deps.database.tables<FeedbackTables>(),
      deps.personalData,
      deps.flushPredictions,
      deps.audit,
    ),
  };
}
