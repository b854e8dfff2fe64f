import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { sha256Hex } from '../core/hashing.js';
import type { AuditRow, GovernanceTables } from './tables.js';

/** What happened, as the caller describes it; the log adds seq, time and the hashes. */
export interface AuditEvent {
  actor: string;
  action: string;
  /** `ok` for a change that happened, `denied` for a refused attempt. */
  outcome: 'ok' | 'denied';
  method: string;
  path: string;
  status: number;
  objectKind?: string;
  objectId?: string;
  /** Ids (not contents) before and after the change, as small JSON-able objects. */
  before?: unknown;
  after?: unknown;
  ip?: string;
  requestId?: string;
}

export interface AuditEntry extends Required<
  Pick<AuditEvent, 'actor' | 'action' | 'outcome' | 'method' | 'path' | 'status'>
> {
  seq: number;
  time: number;
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
  actor?: string;
  /** `KIND` or `KIND/ID` (`model/churn`) or a bare id. */
  object?: string;
  since?: number;
  until?: number;
  limit?: number;
}

export type AuditVerification =
  { ok: true; entries: number } | { ok: false; entries: number; firstBadSeq: number; reason: string };

/** The hash the chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The append-only audit log. Each entry's hash covers the previous entry's hash and every
 * field of its own, so editing or deleting any entry breaks the chain from that point on,
 * which `verify` reports by the first seq that does not match.
 */
export class AuditLog {
  // Appends are serialized in this process so seq and prev_hash are read and written as one step.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<GovernanceTables>,
    private readonly clock: Clock,
  ) {}

  append(event: AuditEvent): Promise<AuditEntry> {
    const next = this.tail.then(() => this.appendNow(event, 3));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async appendNow(event: AuditEvent, attempts: number): Promise<AuditEntry> {
    const last = await this.db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const partial = {
      seq: last ? Number(last.seq) + 1 : 1,
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
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const row: AuditRow = { ...partial, hash: entryHash(partial) };
    try {
      await this.db.insertInto('audit_log').values(row).execute();
    } catch (error) {
      // Another process (the embedded CLI next to a server) took this seq: chain onto its entry.
      if (attempts > 1) return this.appendNow(event, attempts - 1);
      throw error;
    }
    return toEntry(row);
  }

  /** Entries matching the filter, oldest first. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'asc');
    if (filter.actor) query = query.where('actor', '=', filter.actor);
    if (filter.since !== undefined) query = query.where('time', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('time', '<', filter.until);
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

  /** Walks the whole chain; names the first entry whose hash, link or seq is wrong. */
  async verify(): Promise<AuditVerification> {
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'asc').execute();
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    for (const raw of rows) {
      const row = normalize(raw);
      if (row.seq !== expectedSeq)
        return bad(rows.length, expectedSeq, `entry ${expectedSeq} is missing (next is ${row.seq})`);
      if (row.prev_hash !== prevHash)
        return bad(rows.length, row.seq, 'its link to the previous entry does not match');
      const { hash, ...rest } = row;
      if (entryHash(rest) !== hash) return bad(rows.length, row.seq, 'its content does not match its hash');
      prevHash = hash;
      expectedSeq += 1;
    }
    return { ok: true, entries: rows.length };
  }
}

function bad(entries: number, seq: number, reason: string): AuditVerification {
  return { ok: false, entries, firstBadSeq: seq, reason };
}

// The hashed form: a fixed-order JSON array, so the hash does not depend on key order.
function entryHash(row: Omit<AuditRow, 'hash'>): string {
  const fields = [
    row.seq,
    row.time,
    row.actor,
    row.action,
    row.outcome,
    row.method,
    row.path,
    row.status,
    row.object_kind,
    row.object_id,
    row.before_json,
    row.after_json,
    row.ip,
    row.request_id,
  ];
  return sha256Hex(row.prev_hash + JSON.stringify(fields));
}

// PostgreSQL returns bigint as a string; hashes are computed over numbers.
function normalize(row: AuditRow): AuditRow {
  return { ...row, seq: Number(row.seq), time: Number(row.time), status: Number(row.status) };
}

function toEntry(raw: AuditRow): AuditEntry {
  const row = normalize(raw);
  return {
    seq: row.seq,
    time: row.time,
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
