import { loadConfig } from '../core/config.js';
import { localUser } from './local-user.js';
import { projectObjectKey } from '../governance/project-object-key.js';
import type { AuditEntry, AuditFilter, AuditVerification } from '../governance/audit.js';
import type { LineageGraph } from '../governance/lineage-graph.js';
import type { ForgetResult, ForgetSubject } from '../governance/privacy.js';
import type { ProjectMember, ProjectObject } from '../governance/projects.js';
import type { PromotionRequest } from '../governance/promotion-requests.js';
import type { ApiToken, CreatedToken, CreateTokenInput } from '../governance/tokens.js';

/** The governance operations the CLI uses: in-process on the embedded store, or over HTTP. */
export interface GovernanceOperations {
  createToken(input: CreateTokenInput): Promise<CreatedToken>;
  listTokens(): Promise<ApiToken[]>;
  revokeToken(idOrName: string): Promise<ApiToken>;
  setMember(project: string, user: string, role: string): Promise<ProjectMember>;
  members(project: string): Promise<ProjectMember[]>;
  assign(project: string, kind: string, name: string): Promise<ProjectObject>;
  projectObjects(project: string): Promise<ProjectObject[]>;
  audit(filter: AuditFilter): Promise<AuditEntry[]>;
  verifyAudit(): Promise<AuditVerification>;
  requestPromotion(
    model: string,
    alias: string,
    version: number,
    reason?: string,
    deployment?: string,
  ): Promise<PromotionRequest>;
  promotionRequests(model?: string): Promise<PromotionRequest[]>;
  decidePromotion(id: string, decision: 'approve' | 'reject', by: string): Promise<PromotionRequest>;
  lineage(kind: string, id: string): Promise<LineageGraph>;
  forget(subject: ForgetSubject): Promise<ForgetResult>;
}

/**
 * Runs a command's work on the server (`--url`, else MLOOP_URL; the token from MLOOP_TOKEN) or
 * on the embedded store, where whoever can read `./.mloop` is its administrator: that is how
 * the first admin token is made before the server has any.
 */
export async function withGovernance<T>(
  options: { url?: string | undefined },
  work: (operations: GovernanceOperations, embedded: boolean) => Promise<T>,
): Promise<T> {
  const config = loadConfig(options.url ? { url: options.url } : {});
  if (config.url) {
    const { HttpClient } = await import('../sdk/http.js');
    const { GovernanceClient } = await import('../sdk/governance.js');
    const client = new GovernanceClient(new HttpClient({ url: config.url }));
    return work(
      {
        createToken: (input) => client.createToken(input),
        listTokens: () => client.listTokens(),
        revokeToken: (id) => client.revokeToken(id),
        setMember: (p, u, r) => client.setMember(p, u, r),
        members: (p) => client.members(p),
        assign: (p, k, n) => client.assign(p, k, n),
        projectObjects: (p) => client.projectObjects(p),
        audit: (f) => client.audit(f),
        verifyAudit: () => client.verifyAudit(),
        requestPromotion: (m, a, v, r, d) => client.requestPromotion(m, a, v, r, d),
        promotionRequests: (m) => client.promotionRequests(m),
        decidePromotion: (id, d) => client.decidePromotion(id, d),
        lineage: (kind, id) => client.lineage(kind, id),
        forget: (subject) => client.forget(subject),
      },
      false,
    );
  }
  const { openPlatform } = await import('../platform.js');
  const platform = await openPlatform(config);
  const { tokens, projects, audit, promotionRequests } = platform.governance;
  try {
    return await work(
      {
        createToken: (input) => tokens.create(input),
        listTokens: () => tokens.list(),
        revokeToken: (id) => tokens.revoke(id),
        setMember: (p, u, r) => projects.setMember(p, u, r),
        members: (p) => projects.members(p),
        assign: async (p, k, n) =>
          projects.assign(k, await projectObjectKey(platform.tracking.experiments, k, n), p),
        projectObjects: (p) => projects.objects(p),
        audit: (f) => audit.list(f),
        verifyAudit: () => audit.verify(),
        requestPromotion: (m, a, v, r, d) =>
          promotionRequests.request({
            model: m,
            alias: a,
            version: v,
            reason: r,
            deployment: d,
            by: localUser(),
          }),
        promotionRequests: (m) => promotionRequests.list(m),
        decidePromotion: (id, d, by) =>
          d === 'approve' ? promotionRequests.approve(id, by) : promotionRequests.reject(id, by),
        lineage: (kind, id) => platform.governance.lineage.graph(kind, id),
        forget: (subject) => platform.governance.privacy.forget(subject),
      },
      true,
    );
  } finally {
    await platform.close();
  }
}

export { localUser } from './local-user.js';
