import type { Kysely } from 'kysely';
import { currentActor } from '../core/acting-as.js';
import type { AuditTrail, Change, ChangeKind } from '../core/audit-trail.js';
import type { Clock } from '../core/clock.js';
import type { Database } from '../store/database.js';
import { serializedTransaction } from '../store/serialized-transaction.js';
import {
  checkpointMac,
  entryHash,
  GENESIS_HASH,
  headMac,
  normalize,
  verifyChain,
  type AuditVerification,
} from './audit-chain.js';
import { actionsOfKinds } from './audit-kinds.js';
import type { AuditCheckpointRow, AuditRow, GovernanceTables } from './tables.js';

export { GENESIS_HASH, type AuditCheckpoint, type AuditVerification } from './audit-chain.js';

/** What happened, as the caller describes it; the log adds seq, time and the hashes. */
export interface AuditEvent {
  /** The kind of change (`model`, `alias`, `tracking`…), which `mloop audit --kind` filters on. */
  kind: ChangeKind;
  actor: string;
  action: string;
  /** `ok` for a change that happened, `denied` for a refused attempt. */
  outcome: 'ok' | 'denied';
  /** The HTTP method, or the way in for changes made otherwise (`cli`, `pipeline`, `system`). */
  method: string;
  path: string;
  /** The HTTP status; 0 for an entry a service recorded as it made the change. */
  status: number;
  objectKind?: string | undefined;
  objectId?: string | undefined;
  /** Ids (not contents) before and after the change, as small JSON-able objects. */
  before?: unknown;
  after?: unknown;
  ip?: string | undefined;
  requestId?: string | undefined;
}

export interface AuditEntry extends Required<
  Pick<AuditEvent, 'actor' | 'action' | 'outcome' | 'method' | 'path' | 'status'>
> {
  seq: number;
  time: number;
  /** Undefined on entries written before kinds were recorded. */
  kind: string | undefined;
  objectKind: string | undefined;
  objectId: string | undefined;
  before: unknown;
  after: unknown;
  ip: string | undefined;
  requestId: string | undefined;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  actor?: string | undefined;
  /** `KIND` or `KIND/ID` (`model/churn`) or a bare id. */
  object?: string | undefined;
  /** Only these kinds of change (all when absent). */
  kinds?: readonly ChangeKind[] | undefined;
  since?: number | undefined;
  until?: number | undefined;
  limit?: number | undefined;
}

const HEAD_LOCK = 'mloop.audit_log';

/**
 * The append-only audit log. Each entry's hash covers the previous entry's hash and every field
 * of its own, so editing or deleting any entry breaks the chain from that point on; the head
 * record, moved with each append and sealed with a key held outside the database, shows when the
 * newest entries were cut off. Appends take one lock (across processes and servers), so two
 * writers never take the same seq or fork the chain.
 */
export class AuditLog implements AuditTrail {
  private readonly db: Kysely<GovernanceTables>;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    /** The key sealing the head (derived from the server's secret key, never stored in the database). */
    private readonly key: () => Buffer,
  ) {
    this.db = database.tables<GovernanceTables>();
  }

  /**
   * Records a change a service made, for whoever the entry point says is acting (the token's
   * user, the OS user of the embedded CLI, a pipeline or `system:rollout`).
   */
  async record(change: Change): Promise<void> {
    const who = currentActor();
    if (who) who.recorded += 1;
    const details = who?.details;
    const before =
      details && (change.before === undefined || isPlainObject(change.before))
        ? { ...details, ...(change.before as object | undefined) }
        : change.before;
    await this.append({
      kind: change.kind,
      actor: who?.actor ?? 'system',
      action: change.action,
      outcome: 'ok',
      method: who?.method ?? who?.via ?? 'system',
      path: who?.path ?? '',
      status: 0,
      objectKind: change.objectKind,
      objectId: change.objectId,
      before,
      after: change.after,
      ip: who?.ip,
      requestId: who?.requestId,
    });
  }

  async append(event: AuditEvent): Promise<AuditEntry> {
    const row = await serializedTransaction<AuditRow, GovernanceTables>(
      this.database,
      HEAD_LOCK,
      async (tx) => {
        const head = await tx.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
        // The head is where the chain continues, not the table's last row: entries cut from the end
        // stay missing between the head and the next entry, where verification finds them.
        const tail =
          head ??
          (await tx
            .selectFrom('audit_log')
            .select(['seq', 'hash'])
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirst());
        const seq = tail ? Number(tail.seq) + 1 : 1;
        const partial: Omit<AuditRow, 'hash'> = {
          seq,
          time: this.clock.now(),
          actor: event.actor,
          action: event.action,
          outcome: event.outcome,
          method: event.method,
          path: event.path,
          status: event.status,
          object_kind: event.objectKind ?? null,
          object_id: event.objectId ?? null,
          before_json: event.before === undefined ? null : JSON.stringify(event.before),
          after_json: event.after === undefined ? null : JSON.stringify(event.after),
          ip: event.ip ?? null,
          request_id: event.requestId ?? null,
          prev_hash: tail?.hash ?? GENESIS_HASH,
          kind: event.kind,
        };
        const row: AuditRow = { ...partial, hash: entryHash(partial) };
        await tx.insertInto('audit_log').values(row).execute();
        const sealed = { seq, hash: row.hash, mac: headMac(this.key(), seq, row.hash) };
        if (head) await tx.updateTable('audit_head').set(sealed).where('id', '=', 1).execute();
        else
          await tx
            .insertInto('audit_head')
            .values({ id: 1, ...sealed })
            .execute();
        return row;
      },
    );
    return toEntry(row);
  }

  /** Entries matching the filter, oldest first. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'asc');
    if (filter.actor) query = query.where('actor', '=', filter.actor);
    if (filter.since !== undefined) query = query.where('time', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('time', '<', filter.until);
    const kinds = filter.kinds;
    if (kinds) {
      if (kinds.length === 0) return [];
      // Entries from before kinds were recorded are matched by their permission's kind.
      const legacy = actionsOfKinds(kinds);
      query = query.where((eb) =>
        eb.or([
          eb('kind', 'in', [...kinds]),
          ...(legacy.length > 0 ? [eb.and([eb('kind', 'is', null), eb('action', 'in', legacy)])] : []),
        ]),
      );
    }
    if (filter.object) {
      const slash = filter.object.indexOf('/');
      const object = filter.object;
      if (slash > 0) {
        query = query
          .where('object_kind', '=', object.slice(0, slash))
          .where('object_id', '=', object.slice(slash + 1));
      } else {
        query = query.where((eb) => eb.or([eb('object_kind', '=', object), eb('object_id', '=', object)]));
      }
    }
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return (await query.execute()).map(toEntry);
  }

  /**
   * Walks the whole chain from its retention checkpoint (or its start) to its keyed head; names
   * the first entry altered, missing or cut off.
   */
  async verify(): Promise<AuditVerification> {
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'asc').execute();
    const head = await this.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
    const checkpoint = await this.db
      .selectFrom('audit_checkpoint')
      .selectAll()
      .where('id', '=', 1)
      .executeTakeFirst();
    return verifyChain(rows, head, this.key, checkpoint);
  }

  /**
   * Retention: removes the oldest entries written before `time`, at most `batch` per transaction,
   * each transaction moving the keyed checkpoint to the last entry it removed, so the chain stays
   * verifiable from the first kept entry at every moment. Only a run of oldest entries goes: an
   * entry is never removed while an older one is kept. Returns how many entries were removed.
   */
  async removeOlderThan(time: number, batch = 1000): Promise<{ removed: number; throughSeq?: number }> {
    let removed = 0;
    let throughSeq: number | undefined;
    for (;;) {
      const cut = await serializedTransaction<AuditCheckpointRow | undefined, GovernanceTables>(
        this.database,
        HEAD_LOCK,
        async (tx) => {
          const oldest = await tx
            .selectFrom('audit_log')
            .select(['seq', 'hash', 'time'])
            .orderBy('seq', 'asc')
            .limit(batch)
            .execute();
          // Clocks of several servers may disagree a little: stop at the first entry still young.
          const firstKept = oldest.findIndex((row) => Number(row.time) >= time);
          const expired = firstKept < 0 ? oldest : oldest.slice(0, firstKept);
          const last = expired.at(-1);
          if (!last) return undefined;
          const seq = Number(last.seq);
          const now = this.clock.now();
          const checkpoint: AuditCheckpointRow = {
            id: 1,
            seq,
            hash: last.hash,
            time: now,
            mac: checkpointMac(this.key(), seq, last.hash, now),
          };
          await tx.deleteFrom('audit_log').where('seq', '<=', seq).execute();
          await tx
            .insertInto('audit_checkpoint')
            .values(checkpoint)
            .onConflict((oc) =>
              oc.column('id').doUpdateSet({ seq, hash: last.hash, time: now, mac: checkpoint.mac }),
            )
            .execute();
          removed += expired.length;
          return checkpoint;
        },
      );
      if (!cut) break;
      throughSeq = cut.seq;
    }
    return throughSeq === undefined ? { removed } : { removed, throughSeq };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toEntry(raw: AuditRow): AuditEntry {
  const row = normalize(raw);
  return {
    seq: row.seq,
    time: row.time,
    kind: row.kind ?? undefined,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome as 'ok' | 'denied',
    method: row.method,
    path: row.path,
    status: row.status,
    objectKind: row.object_kind ?? undefined,
    objectId: row.object_id ?? undefined,
    before: row.before_json === null ? undefined : (JSON.parse(row.before_json) as unknown),
    after: row.after_json === null ? undefined : (JSON.parse(row.after_json) as unknown),
    ip: row.ip ?? undefined,
    requestId: row.request_id ?? undefined,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
