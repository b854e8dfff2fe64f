import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { MloopError, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AliasService } from '../registry/aliases.js';
import type { GovernanceTables, PromotionRequestRow } from './tables.js';

export interface PromotionRequest {
  id: string;
  model: string;
  alias: string;
  version: number;
  reason: string | undefined;
  requestedBy: string;
  requestedTime: number;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy: string | undefined;
  decidedTime: number | undefined;
  /** The deployment whose rollout may move the alias once approved; undefined: approval moves it. */
  deployment: string | undefined;
}

/**
 * Four-eyes promotions of protected aliases: one maintainer asks, a different one approves, and
 * only then does the alias move, with both names in the promotion history's reason. A request
 * for a deployment's rollout moves nothing when approved: the approval lets that rollout start,
 * and its completion move the alias (the canary judges the version first).
 */
export class PromotionRequestService {
  constructor(
    private readonly db: Kysely<GovernanceTables>,
    private readonly aliases: Pick<AliasService, 'set'>,
    private readonly clock: Clock,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  async request(input: {
    model: string;
    alias: string;
    version: number;
    reason?: string | undefined;
    deployment?: string | undefined;
    by: string;
  }): Promise<PromotionRequest> {
    const row: PromotionRequestRow = {
      id: newId('preq'),
      model: input.model,
      alias: input.alias,
      version: input.version,
      reason: input.reason ?? null,
      requested_by: input.by,
      requested_time: this.clock.now(),
      status: 'pending',
      decided_by: null,
      decided_time: null,
      deployment: input.deployment ?? null,
    };
    await this.db.insertInto('promotion_requests').values(row).execute();
    await this.audit.record({
      kind: 'alias',
      action: 'alias.promotion-request',
      objectKind: 'model',
      objectId: input.model,
      after: {
        id: row.id,
        alias: input.alias,
        version: input.version,
        ...(input.deployment ? { deployment: input.deployment } : {}),
      },
    });
    return toRequest(row);
  }

  /** One request, whatever its status. */
  async get(id: string): Promise<PromotionRequest> {
    const row = await this.db
      .selectFrom('promotion_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(`No promotion request '${id}'`);
    return toRequest(row);
  }

  async list(model?: string): Promise<PromotionRequest[]> {
    let query = this.db.selectFrom('promotion_requests').selectAll().orderBy('requested_time', 'desc');
    if (model) query = query.where('model', '=', model);
    return (await query.execute()).map(toRequest);
  }

  /** Approves and moves the alias; the approver must not be the requester. */
  async approve(id: string, by: string): Promise<PromotionRequest> {
    const row = await this.pending(id);
    if (row.requested_by === by)
      throw new MloopError(
        'PERMISSION_DENIED',
        `Promotion request ${id} was made by '${by}': a different maintainer must approve it (four-eyes)`,
      );
    if (row.deployment === null) {
      const reason = `${row.reason ?? 'promotion'} (requested by ${row.requested_by}, approved by ${by})`;
      await this.aliases.set(row.model, row.alias, Number(row.version), { actor: by, reason });
    }
    return this.decide(row, 'approved', by);
  }

  /**
   * The approved request that lets `deployment`'s rollout move `model@alias` to `version`, or
   * undefined when there is none (the rollout may then neither start nor complete).
   */
  async approvedRollout(
    deployment: string,
    model: string,
    alias: string,
    version: number,
  ): Promise<PromotionRequest | undefined> {
    const row = await this.db
      .selectFrom('promotion_requests')
      .selectAll()
      .where('deployment', '=', deployment)
      .where('model', '=', model)
      .where('alias', '=', alias)
      .where('version', '=', version)
      .where('status', '=', 'approved')
      .orderBy('decided_time', 'desc')
      .executeTakeFirst();
    return row ? toRequest(row) : undefined;
  }

  async reject(id: string, by: string): Promise<PromotionRequest> {
    return this.decide(await this.pending(id), 'rejected', by);
  }

  private async pending(id: string): Promise<PromotionRequestRow> {
    const row = await this.db
      .selectFrom('promotion_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(`No promotion request '${id}'`);
    if (row.status !== 'pending')
      throw new MloopError('INVALID_STATE', `Promotion request ${id} is already ${row.status}`);
    return row;
  }

  private async decide(row: PromotionRequestRow, status: 'approved' | 'rejected', by: string) {
    const decided = { status, decided_by: by, decided_time: this.clock.now() };
    await this.db.updateTable('promotion_requests').set(decided).where('id', '=', row.id).execute();
    await this.audit.record({
      kind: 'alias',
      action: status === 'approved' ? 'alias.promotion-approve' : 'alias.promotion-reject',
      objectKind: 'model',
      objectId: row.model,
      after: { id: row.id, alias: row.alias, version: Number(row.version), by },
    });
    return toRequest({ ...row, ...decided });
  }
}

function toRequest(row: PromotionRequestRow): PromotionRequest {
  return {
    id: row.id,
    model: row.model,
    alias: row.alias,
    version: Number(row.version),
    reason: row.reason ?? undefined,
    requestedBy: row.requested_by,
    requestedTime: Number(row.requested_time),
    status: row.status as PromotionRequest['status'],
    decidedBy: row.decided_by ?? undefined,
    decidedTime: row.decided_time === null ? undefined : Number(row.decided_time),
    deployment: row.deployment ?? undefined,
  };
}
