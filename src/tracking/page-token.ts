import { invalidParameter } from '../core/errors.js';

/** Page tokens are opaque to clients: base64 of the offset into a stable ordering. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) {
      return parsed.offset;
    }
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(
    'page_token',
    `invalid page_token "${token}": pass the next_page_token of a previous page`,
  );
}
