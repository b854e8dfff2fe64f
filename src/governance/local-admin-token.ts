import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenService } from './tokens.js';

/** The file in the home holding the local admin token (readable by its owner only). */
export const LOCAL_ADMIN_TOKEN_FILE = 'local-admin-token';
const NAME = 'local-admin';

/**
 * The admin token of a server without tokens (on loopback), as Jupyter's: routes that run code
 * need an admin even there, and whoever may read this file (the user who started the server)
 * is one. Made on first start and kept; made again when the file is gone, no longer names a live
 * admin token, or is readable by others (then the old token is revoked: it may have leaked).
 */
export async function ensureLocalAdminToken(tokens: TokenService, home: string): Promise<string> {
  const path = join(home, LOCAL_ADMIN_TOKEN_FILE);
  const existing = readSecret(path);
  if (existing) {
    const token = await tokens.authenticate(existing);
    if (token?.admin && !readableByOthers(path)) return path;
    if (token) await tokens.revoke(token.id);
  }
  const created = await tokens.create({ name: NAME, user: NAME, admin: true });
  mkdirSync(home, { recursive: true });
  // Written whole beside the target, then renamed: a client never reads half a token.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${created.secret}\n`, { mode: 0o600 });
  renameSync(draft, path);
  return path;
}

/** The local admin token kept in `home`, when there is one (the CLI and SDK send it to loopback servers). */
export function readLocalAdminToken(home: string): string | undefined {
  return readSecret(join(home, LOCAL_ADMIN_TOKEN_FILE));
}

function readSecret(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readableByOthers(path: string): boolean {
  return (statSync(path).mode & 0o077) !== 0;
}
