import { createHmac } from 'node:crypto';
import { sha256Hex } from '../core/hashing.js';
import type { AuditCheckpointRow, AuditHeadRow, AuditRow } from './tables.js';

/** The hash the chain starts from. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where retention cut the chain, when it did: entries up to `seq` were removed at `time`. */
export interface AuditCheckpoint {
  seq: number;
  time: number;
}

export type AuditVerification = (
  { ok: true; entries: number } | { ok: false; entries: number; firstBadSeq: number; reason: string }
) & { checkpoint?: AuditCheckpoint };

// The hashed form: a fixed-order JSON array, so the hash does not depend on key order. The kind
// joined the entry later: rows written before it (kind null) keep the hash they were written with.
export function entryHash(row: Omit<AuditRow, 'hash'>): string {
  const fields: unknown[] = [
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
  if (row.kind !== null) fields.push(row.kind);
  return sha256Hex(row.prev_hash + JSON.stringify(fields));
}

/** The head's MAC: only a holder of the key can move the head, so cutting the tail shows. */
export function headMac(key: Buffer, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`${seq}:${hash}`).digest('hex');
}

/**
 * The checkpoint's MAC, distinct from the head's (a head's MAC copied into the checkpoint does not
 * pass): only a holder of the key can move the start of the chain, so cutting its oldest entries
 * without the key shows.
 */
export function checkpointMac(key: Buffer, seq: number, hash: string, time: number): string {
  return createHmac('sha256', key).update(`checkpoint:${seq}:${hash}:${time}`).digest('hex');
}

// PostgreSQL may return bigint as a string; hashes are computed over numbers.
export function normalize(row: AuditRow): AuditRow {
  return { ...row, seq: Number(row.seq), time: Number(row.time), status: Number(row.status) };
}

/**
 * Walks the whole chain, then checks it ends where the keyed head says: an altered, removed or
 * inserted entry breaks a link; removed newest entries leave the head pointing past the end.
 * After retention the chain starts at the keyed checkpoint: the first kept entry must follow the
 * last removed one (its seq and hash), so removing more of the oldest entries shows too.
 */
export function verifyChain(
  rows: AuditRow[],
  head: AuditHeadRow | undefined,
  key: () => Buffer,
  checkpoint?: AuditCheckpointRow,
): AuditVerification {
  const cut = checkpoint && { seq: Number(checkpoint.seq), time: Number(checkpoint.time) };
  const bad = (seq: number, reason: string): AuditVerification => ({
    ok: false,
    entries: rows.length,
    firstBadSeq: seq,
    reason,
    ...(cut ? { checkpoint: cut } : {}),
  });
  if (checkpoint && checkpoint.mac !== checkpointMac(key(), cut!.seq, checkpoint.hash, cut!.time))
    return bad(cut!.seq + 1, "the retention checkpoint's MAC does not match: it was rewritten");
  let prevHash = checkpoint?.hash ?? GENESIS_HASH;
  let expectedSeq = cut ? cut.seq + 1 : 1;
  let keyedEntries = false;
  for (const raw of rows) {
    const row = normalize(raw);
    if (row.seq !== expectedSeq)
      return bad(expectedSeq, `entry ${expectedSeq} is missing (next is ${row.seq})`);
    if (row.prev_hash !== prevHash) return bad(row.seq, 'its link to the previous entry does not match');
    const { hash, ...rest } = row;
    if (entryHash(rest) !== hash) return bad(row.seq, 'its content does not match its hash');
    if (row.kind !== null) keyedEntries = true;
    prevHash = hash;
    expectedSeq += 1;
  }
  const lastSeq = expectedSeq - 1;
  // Entries with a kind were all written under a sealed head; only an older log may lack one.
  if (!head) {
    return keyedEntries
      ? bad(lastSeq + 1, 'the head record is missing: newer entries may have been removed')
      : { ok: true, entries: rows.length, ...(cut ? { checkpoint: cut } : {}) };
  }
  const headSeq = Number(head.seq);
  if (head.mac === null) {
    if (keyedEntries) return bad(lastSeq + 1, 'the head record is not sealed: it was rewritten');
  } else if (head.mac !== headMac(key(), headSeq, head.hash)) {
    return bad(Math.min(headSeq, lastSeq) + 1, "the head record's MAC does not match: it was rewritten");
  }
  if (headSeq > lastSeq)
    return bad(
      lastSeq + 1,
      `entries ${lastSeq + 1}${headSeq > lastSeq + 1 ? `-${headSeq}` : ''} are missing: the newest entries were removed`,
    );
  if (headSeq < lastSeq) return bad(headSeq + 1, 'the entry was added without moving the head');
  if (head.hash !== prevHash) return bad(lastSeq, 'the last entry is not the one the head records');
  return { ok: true, entries: rows.length, ...(cut ? { checkpoint: cut } : {}) };
}
