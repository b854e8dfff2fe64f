import { MloopError } from '../core/errors.js';
import type { App } from './server.js';

/** Deeper JSON than this is refused with a 400 before parsing (no route needs more than a few levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * Replaces Fastify's JSON parser with one that first measures nesting depth in one pass, so a
 * deeply nested body is a 400 naming the limit rather than a stack overflow in a handler or in
 * schema validation.
 */
export function registerJsonBodyParser(app: App): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as MloopError, undefined);
    }
  });
}

/**
 * A JSON body's text as a value (undefined when blank), refusing a too-deep nesting and malformed
 * JSON with 400s; routes that read their own body (binary tensors behind a JSON header) use it too.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw new MloopError('BAD_REQUEST', `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MloopError('MALFORMED_REQUEST', `Body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The deepest nesting of arrays and objects in a JSON text, ignoring brackets inside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
