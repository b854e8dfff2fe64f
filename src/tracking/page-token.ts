import { invalidParameter } from '../core/errors.js';

/**
 * Where the previous page ended in a search's order: the sort key of its last row. A search that
 * can seek past it (see run-search.ts) reads a deep page as cheaply as the first; the offset
 * beside it serves every other search. `time` orders by start time (newest first, then run id);
 * `value` by a metric's value first.
 */
export interface PageCursor {
  kind: 'time' | 'value';
  value?: number | undefined;
  time: number;
  id: string;
}

/** Page tokens are opaque to clients: base64 of the offset into a stable ordering (and a cursor). */
export function encodePageToken(offset: number, after?: PageCursor): string {
  return Buffer.from(JSON.stringify(after ? { offset, after } : { offset })).toString('base64url');
}

export function decodePageToken(token: string | undefined): number {
  return decodePageCursor(token).offset;
}

/** The offset of a page token and, when the token carries one, where its page ended. */
export function decodePageCursor(token: string | undefined): { offset: number; after?: PageCursor } {
  if (token === undefined || token === '') return { offset: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset?: unknown;
      after?: unknown;
    };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) {
      if (parsed.after === undefined) return { offset: parsed.offset };
      if (isCursor(parsed.after)) return { offset: parsed.offset, after: parsed.after };
    }
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(
    'page_token',
    `invalid page_token "${token}": pass the next_page_token of a previous page`,
  );
}

function isCursor(x: unknown): x is PageCursor {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Record<string, unknown>;
  const kindOk =
    c.kind === 'time' || (c.kind === 'value' && typeof c.value === 'number' && Number.isFinite(c.value));
  return kindOk && typeof c.time === 'number' && Number.isFinite(c.time) && typeof c.id === 'string';
}
