import { invalidParameter } from '../core/errors.js';

/** Where a page of the prediction log (or a join on it) stopped: the last row's (time, id). */
export interface PredictionCursor {
  time: number;
  id: string;
}

/**
 * Page tokens of prediction listings hold the (time, id) of the last row returned: keyset paging
 * that stays stable while new predictions and labels arrive.
 */
export function encodePredictionCursor(last: PredictionCursor): string {
  return Buffer.from(JSON.stringify({ t: last.time, id: last.id })).toString('base64url');
}

export function decodePredictionCursor(token: string | undefined): PredictionCursor | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      t?: unknown;
      id?: unknown;
    };
    if (typeof parsed.t === 'number' && typeof parsed.id === 'string')
      return { time: parsed.t, id: parsed.id };
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(
    'pageToken',
    `invalid pageToken "${token}": pass the nextPageToken of a previous page`,
  );
}
