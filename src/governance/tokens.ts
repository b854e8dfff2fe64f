import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { invalidParameter, notFound } from '../core/errors.js';
import { sha256Hex } from '../core/hashing.js';
import { newId } from '../core/ids.js';
import type { ApiTokenRow, GovernanceTables } from './tables.js';

/** An API token as listed: never its secret, which is shown once at creation. */
export interface ApiToken {
  id: string;
  name: string;
  user: string;
  admin: boolean;
  createdTime: number;
  lastUsedTime: number | undefined;
  revokedTime: number | undefined;
}

export interface CreatedToken extends ApiToken {
  /** The secret itself (`mlp_…`); only its sha256 is stored. */
  secret: string;
}

export interface CreateTokenInput {
  name: string;
  /** The user the token acts for; its roles are that user's project memberships. */
  user: string;
  /** An admin token may do everything in every project (the bootstrap token). */
  admin?: boolean;
}

const TOKEN_PREFIX = 'mlp_';
// Writing last_used on every request would put a write on every read; once a minute is enough.
const LAST_USED_RESOLUTION_MS = 60_000;

/** API tokens: random 32-byte secrets, stored hashed, revocable. */
export class TokenService {
  constructor(
    private readonly db: Kysely<GovernanceTables>,
    private readonly clock: Clock,
    private readonly audit: AuditTrail = noAuditTrail,
  ) {}

  /** Creates a token; the returned `secret` is the only time it is ever available. */
  async create(input: CreateTokenInput): Promise<CreatedToken> {
    if (!/^[\w.@-]{1,100}$/.test(input.name))
      throw invalidParameter('name', 'token name must be 1-100 letters, digits, "_", ".", "@" or "-"');
    if (!/^[\w.@-]{1,100}$/.test(input.user))
      throw invalidParameter('user', 'user must be 1-100 letters, digits, "_", ".", "@" or "-"');
    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row: ApiTokenRow = {
      id: newId('tok'),
      name: input.name,
      user_name: input.user,
      token_hash: sha256Hex(secret),
      is_admin: input.admin ? 1 : 0,
      created_time: this.clock.now(),
      last_used_time: null,
      revoked_time: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    await this.audit.record({
      kind: 'access',
      action: 'access.token-create',
      objectKind: 'token',
      objectId: row.name,
      after: { id: row.id, user: input.user, admin: Boolean(input.admin) },
    });
    return { ...toToken(row), secret };
  }

  async list(): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('created_time').execute();
    return rows.map(toToken);
  }

  /** Revokes by id or by name; revoking twice is harmless. */
  async revoke(idOrName: string): Promise<ApiToken> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!row) throw notFound(`No token with id or name '${idOrName}'`);
    const revoked = row.revoked_time ?? this.clock.now();
    await this.db.updateTable('api_tokens').set({ revoked_time: revoked }).where('id', '=', row.id).execute();
    if (row.revoked_time === null)
      await this.audit.record({
        kind: 'access',
        action: 'access.token-revoke',
        objectKind: 'token',
        objectId: row.name,
        before: { id: row.id, user: row.user_name },
      });
    return toToken({ ...row, revoked_time: revoked });
  }

  /** The live token whose secret this is, or undefined (unknown, malformed or revoked). */
  async authenticate(secret: string): Promise<ApiToken | undefined> {
    if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', sha256Hex(secret))
      .executeTakeFirst();
    if (!row || row.revoked_time !== null) return undefined;
    const now = this.clock.now();
    if (row.last_used_time === null || now - Number(row.last_used_time) > LAST_USED_RESOLUTION_MS) {
      await this.db.updateTable('api_tokens').set({ last_used_time: now }).where('id', '=', row.id).execute();
      row.last_used_time = now;
    }
    return toToken(row);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function toToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    user: row.user_name,
    admin: Number(row.is_admin) === 1,
    createdTime: Number(row.created_time),
    lastUsedTime: row.last_used_time === null ? undefined : Number(row.last_used_time),
    revokedTime: row.revoked_time === null ? undefined : Number(row.revoked_time),
  };
}
