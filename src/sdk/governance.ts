import type { AuditEntry, AuditFilter, AuditVerification } from '../governance/audit.js';
import type { LineageGraph } from '../governance/lineage-graph.js';
import type { ForgetResult, ForgetSubject } from '../governance/privacy.js';
import type { ProjectMember, ProjectObject } from '../governance/projects.js';
import type { PromotionRequest } from '../governance/promotion-requests.js';
import type { ApiToken, CreatedToken, CreateTokenInput } from '../governance/tokens.js';
import type { HttpClient } from './http.js';

/** Governance over HTTP: tokens, project members, the audit log, promotion requests. */
export class GovernanceClient {
  constructor(private readonly http: HttpClient) {}

  /** Creates a token (admins only); the secret is in this answer only. */
  async createToken(input: CreateTokenInput): Promise<CreatedToken> {
    return this.http.json('POST', '/api/v1/tokens', { json: input });
  }

  async listTokens(): Promise<ApiToken[]> {
    return (await this.http.json<{ tokens: ApiToken[] }>('GET', '/api/v1/tokens')).tokens;
  }

  async revokeToken(idOrName: string): Promise<ApiToken> {
    const path = `/api/v1/tokens/${encodeURIComponent(idOrName)}`;
    return (await this.http.json<{ token: ApiToken }>('DELETE', path)).token;
  }

  /** Gives a user a role in a project. */
  async setMember(project: string, user: string, role: string): Promise<ProjectMember> {
    const path = `/api/v1/projects/${encodeURIComponent(project)}/members/${encodeURIComponent(user)}`;
    return (await this.http.json<{ member: ProjectMember }>('PUT', path, { json: { role } })).member;
  }

  /**
   * Moves an experiment (by name or id), model, dataset, deployment or pipeline into `project`;
   * its runs, predictions and alert rules follow it. Admins only.
   */
  async assign(project: string, kind: string, name: string): Promise<ProjectObject> {
    const path = `/api/v1/projects/${encodeURIComponent(project)}/objects`;
    return (await this.http.json<{ object: ProjectObject }>('PUT', path, { json: { kind, name } })).object;
  }

  /** The objects assigned to `project`. */
  async projectObjects(project: string): Promise<ProjectObject[]> {
    const path = `/api/v1/projects/${encodeURIComponent(project)}/objects`;
    return (await this.http.json<{ objects: ProjectObject[] }>('GET', path)).objects;
  }

  async members(project: string): Promise<ProjectMember[]> {
    const path = `/api/v1/projects/${encodeURIComponent(project)}/members`;
    return (await this.http.json<{ members: ProjectMember[] }>('GET', path)).members;
  }

  /** Audit entries, oldest first. */
  async audit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const query = {
      kind: filter.kinds?.join(','),
      actor: filter.actor,
      object: filter.object,
      since: filter.since,
      until: filter.until,
      limit: filter.limit,
    };
    return (await this.http.json<{ entries: AuditEntry[] }>('GET', '/api/v1/audit', { query })).entries;
  }

  /** Walks the audit hash chain on the server. */
  async verifyAudit(): Promise<AuditVerification> {
    return this.http.json('GET', '/api/v1/audit/verify');
  }

  /**
   * Asks for a protected alias move that another maintainer must approve. With `deployment`, the
   * approval moves nothing: it lets that deployment's rollout start and, on completion, move it.
   */
  async requestPromotion(
    model: string,
    alias: string,
    version: number,
    reason?: string,
    deployment?: string,
  ): Promise<PromotionRequest> {
    const path = `/api/v1/models/${encodeURIComponent(model)}/promotion-requests`;
    const json = { alias, version, ...(reason ? { reason } : {}), ...(deployment ? { deployment } : {}) };
    return this.http.json('POST', path, { json });
  }

  async promotionRequests(model?: string): Promise<PromotionRequest[]> {
    const result = await this.http.json<{ requests: PromotionRequest[] }>(
      'GET',
      '/api/v1/promotion-requests',
      {
        query: { model },
      },
    );
    return result.requests;
  }

  async decidePromotion(id: string, decision: 'approve' | 'reject'): Promise<PromotionRequest> {
    const path = `/api/v1/promotion-requests/${encodeURIComponent(id)}/${decision}`;
    return (await this.http.json<{ request: PromotionRequest }>('POST', path)).request;
  }

  /** The lineage graph around one object (`prediction`, `model-version`, `run`, `dataset`, `deployment`). */
  async lineage(kind: string, id: string): Promise<LineageGraph> {
    const path = `/api/v1/lineage/${encodeURIComponent(kind)}/${id.split('/').map(encodeURIComponent).join('/')}`;
    return this.http.json('GET', path);
  }

  /** Deletes a subject's prediction-log rows and their labels (by request key or input value). */
  async forget(subject: ForgetSubject): Promise<ForgetResult> {
    const r = await this.http.json<{
      subject_key?: string;
      column?: string;
      value?: string;
      predictions_deleted: number;
      feedback_deleted: number;
    }>('POST', '/api/v1/privacy/forget', {
      json:
        'key' in subject ? { subject_key: subject.key } : { column: subject.column, value: subject.value },
    });
    return {
      subject,
      predictionsDeleted: r.predictions_deleted,
      feedbackDeleted: r.feedback_deleted,
    };
  }
}
