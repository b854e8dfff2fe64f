import { invalidParameter, type MloopError } from '../core/errors.js';

/**
 * The tokenizer behind `search-grammar.ts`. It reads each character once (no regular expression
 * spans more than one character), so its cost is linear in the input whatever the input is.
 *
 * - `word`: a letter or `_`, then letters, digits and `_ . - / :` (`metrics.val.acc`, `AND`).
 * - `number`: `-`? digits with an optional fraction and exponent (`3`, `-0.5`, `.5`, `1e-3`).
 * - `string`: text in `'…'`, `"…"` or `` `…` ``; the quote character is escaped by doubling it
 *   (`'it''s'`), as in SQL. A backslash is an ordinary character.
 * - `operator`: a run of `< > = !` (`>=`, and also invalid runs such as `<>` so the parser can name them).
 * - `punctuation`: `(`, `)` or `,`.
 * - `invalid`: any other single character; the parser reports it with what it expected instead.
 */
export type TokenKind = 'word' | 'number' | 'string' | 'operator' | 'punctuation' | 'invalid';
export type Quote = "'" | '"' | '`';

export interface Token {
  kind: TokenKind;
  /** The token as written in the input. */
  text: string;
  /** For strings, the text between the quotes with doubled quotes undone; otherwise `text`. */
  value: string;
  quote: Quote | undefined;
  /** UTF-16 offsets into the input: `start` inclusive, `end` exclusive. */
  start: number;
  end: number;
}

/** The field a search error is reported against (`filter` or `order_by`). */
export type SearchField = 'filter' | 'order_by';

/** A MloopError saying what is wrong in a search string and at which character. */
export function searchError(field: SearchField, position: number, message: string): MloopError {
  return invalidParameter(field, `Invalid ${field} at position ${position}: ${message}`);
}

/** A token as it appears in an error message: quoted, escaped, and cut short when long. */
export function describeToken(token: Token | undefined): string {
  if (token === undefined) return 'end of input';
  return JSON.stringify(token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text);
}

const wordChar = /^[\p{L}\p{N}_./:-]$/u;
const wordStart = /^[\p{L}_]$/u;
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isWhitespace = (ch: string): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
const isOperatorChar = (ch: string | undefined): boolean =>
  ch === '<' || ch === '>' || ch === '=' || ch === '!';

/** A whole character at `i` (both halves of a surrogate pair), or undefined past the end. */
function charAt(text: string, i: number): string | undefined {
  const code = text.codePointAt(i);
  return code === undefined ? undefined : String.fromCodePoint(code);
}

/** Splits a search string into tokens; throws a MloopError only for an unterminated quote or a malformed number. */
export function tokenize(text: string, field: SearchField): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string, quote?: Quote): void => {
    const raw = text.slice(start, end);
    tokens.push({ kind, text: raw, value: value ?? raw, quote, start, end });
  };
  while (i < text.length) {
    const ch = charAt(text, i) ?? '';
    const start = i;
    if (isWhitespace(ch)) {
      i += 1;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const { value, end } = readQuoted(text, i, ch, field);
      i = end;
      push('string', start, end, value, ch);
    } else if (isDigit(ch) || ((ch === '-' || ch === '.') && startsNumber(text, i))) {
      i = readNumber(text, i, field);
      push('number', start, i);
    } else if (wordStart.test(ch)) {
      i += ch.length;
      for (let next = charAt(text, i); next !== undefined && wordChar.test(next); next = charAt(text, i)) {
        i += next.length;
      }
      push('word', start, i);
    } else if (isOperatorChar(ch)) {
      while (isOperatorChar(text[i])) i += 1;
      push('operator', start, i);
    } else {
      i += ch.length;
      push(ch === '(' || ch === ')' || ch === ',' ? 'punctuation' : 'invalid', start, i);
    }
  }
  return tokens;
}

function startsNumber(text: string, i: number): boolean {
  if (text[i] === '.') return isDigit(text[i + 1]);
  return isDigit(text[i + 1]) || (text[i + 1] === '.' && isDigit(text[i + 2]));
}

function readQuoted(text: string, start: number, quote: Quote, field: SearchField) {
  const parts: string[] = [];
  let from = start + 1;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] !== quote) continue;
    parts.push(text.slice(from, i));
    if (text[i + 1] !== quote) return { value: parts.join(''), end: i + 1 };
    parts.push(quote);
    i += 1;
    from = i + 1;
  }
  throw searchError(field, start, `unterminated string: no closing ${quote} for the one opened here`);
}

/** Returns the offset just past a number starting at `start`; rejects `1.2.3`, `1e`, `2abc`. */
function readNumber(text: string, start: number, field: SearchField): number {
  let i = text[start] === '-' ? start + 1 : start;
  while (isDigit(text[i])) i += 1;
  if (text[i] === '.') {
    i += 1;
    while (isDigit(text[i])) i += 1;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    i += 1;
    if (text[i] === '+' || text[i] === '-') i += 1;
    if (!isDigit(text[i])) throw malformedNumber(text, start, i, field);
    while (isDigit(text[i])) i += 1;
  }
  const next = charAt(text, i);
  if (next !== undefined && wordChar.test(next)) throw malformedNumber(text, start, i, field);
  return i;
}

/** Names the whole malformed run (`1.2.3`, `2abc`), not just the part read as a number. */
function malformedNumber(text: string, start: number, from: number, field: SearchField): MloopError {
  let end = from;
  for (
    let next = charAt(text, end);
    next !== undefined && (wordChar.test(next) || next === '+');
    next = charAt(text, end)
  ) {
    end += next.length;
  }
  const token: Token = {
    kind: 'number',
    text: text.slice(start, end),
    value: '',
    quote: undefined,
    start,
    end,
  };
  return searchError(field, start, `malformed number ${describeToken(token)}`);
}
