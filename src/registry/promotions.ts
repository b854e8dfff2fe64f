import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { toPromotion } from './registry-loader.js';
import type { RegisteredModelRow, RegistryTables } from './tables.js';
import type { Attribution, Promotion } from './types.js';

/**
 * The writes every registry change shares: locking the model row first, and the append-only
 * promotion records of alias moves, written in the same transaction as the move.
 */

/** Until authentication exists every move is made by this actor. */
export const anonymousActor = 'anonymous';

/** An alias change to announce once its transaction has committed. */
export type AliasChange =
  | { kind: 'moved'; name: string; alias: string; fromVersion: number | undefined; toVersion: number }
  | { kind: 'removed'; name: string; alias: string; fromVersion: number };

/**
 * Reads the model row and bumps its update time in the same statement. Being a write, it takes
 * the row lock (PostgreSQL) or the write lock (SQLite) first, so concurrent moves of one model's
 * aliases run one after the other and each reads where the alias really points.
 */
export async function lockModel(
  tx: Transaction<RegistryTables>,
  name: string,
  now: number,
): Promise<RegisteredModelRow> {
  const row = await tx
    .updateTable('registered_models')
    .set({ last_updated_time: now })
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound(`Registered Model with name=${name} not found`);
  return row;
}

/** Removes aliases inside a transaction, recording each as a move to no version. */
export async function removeAliases(
  tx: Transaction<RegistryTables>,
  clock: Clock,
  model: RegisteredModelRow,
  aliases: Array<{ alias: string; version: number }>,
  by: Attribution,
): Promise<Array<{ promotion: Promotion; change: AliasChange }>> {
  const removed: Array<{ promotion: Promotion; change: AliasChange }> = [];
  for (const a of aliases) {
    await tx
      .deleteFrom('model_aliases')
      .where('registered_model_id', '=', model.registered_model_id)
      .where('alias', '=', a.alias)
      .execute();
    const fromVersion = Number(a.version);
    const promotion = await recordPromotion(tx, clock, model, 'alias', a.alias, fromVersion, undefined, by);
    removed.push({ promotion, change: { kind: 'removed', name: model.name, alias: a.alias, fromVersion } });
  }
  return removed;
}

/** Appends a promotion record: the next in the model's sequence. */
export async function recordPromotion(
  tx: Transaction<RegistryTables>,
  clock: Clock,
  model: RegisteredModelRow,
  kind: 'alias' | 'stage',
  alias: string,
  fromVersion: number | undefined,
  toVersion: number | undefined,
  by: Attribution,
): Promise<Promotion> {
  const last = await tx
    .selectFrom('promotions')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('registered_model_id', '=', model.registered_model_id)
    .executeTakeFirst();
  const row = {
    promotion_id: newId('promo'),
    registered_model_id: model.registered_model_id,
    seq: Number(last?.seq ?? 0) + 1,
    model_name: model.name,
    kind,
    alias,
    from_version: fromVersion ?? null,
    to_version: toVersion ?? null,
    actor: by.actor || anonymousActor,
    reason: by.reason || null,
    created_time: clock.now(),
  };
  await tx.insertInto('promotions').values(row).execute();
  return toPromotion(row);
}
