import { isUtf8 } from 'node:buffer';
import { invalidParameter } from '../core/errors.js';

const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Checks a text file (CSV or JSON lines) as its bytes stream past, before DuckDB reads it:
 * that it is UTF-8, and for CSV that every record has as many values as the header names.
 * DuckDB's own sniffer does not catch either reliably (a ragged row can make it guess a
 * one-column file), and its messages name neither the row nor the column.
 */
export class TextFileChecker {
  /** Bytes after the last newline of what came so far: a line is checked once it is whole. */
  private carry: Buffer = Buffer.alloc(0);
  /** Physical line number (1-based) of the first line in `carry`. */
  private line = 1;
  private inQuotes = false;
  private values = 1;
  private recordHasBytes = false;
  /** Data rows seen (the header is not one). */
  private rows = 0;
  private header: string[] | undefined;
  private headerBytes: number[] = [];
  private recordStartLine = 1;

  constructor(
    private readonly file: string,
    private readonly csv: boolean,
  ) {}

  /** The CSV header's column names (after the first line is whole). */
  get columns(): string[] | undefined {
    return this.header;
  }

  update(chunk: Buffer): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      this.carry = Buffer.from(data);
      return;
    }
    this.checkLines(data.subarray(0, lastNewline + 1));
    this.carry = Buffer.from(data.subarray(lastNewline + 1));
  }

  /** Checks what is left after the last chunk; returns the number of CSV data rows. */
  finish(): number {
    if (this.carry.length > 0) this.checkLines(Buffer.concat([this.carry, Buffer.from([NEWLINE])]));
    this.carry = Buffer.alloc(0);
    if (this.csv && this.inQuotes) {
      throw invalidParameter(
        'path',
        `${this.file}: a quoted value opened on line ${this.recordStartLine} is never closed`,
      );
    }
    return this.rows;
  }

  private checkLines(lines: Buffer): void {
    if (!isUtf8(lines)) this.failEncoding(lines);
    if (this.csv) return this.scanCsv(lines);
    for (let i = 0; i < lines.length; i++) if (lines[i] === NEWLINE) this.line++;
  }

  /** Counts values per record; quotes toggle, so `""` inside a quoted value needs no special case. */
  private scanCsv(bytes: Buffer): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.header === undefined) this.headerBytes.push(b);
      if (b === QUOTE) {
        this.inQuotes = !this.inQuotes;
        this.recordHasBytes = true;
      } else if (b === NEWLINE) {
        this.line++;
        if (!this.inQuotes) this.endRecord();
      } else if (this.inQuotes || b === CR) {
        continue;
      } else if (b === COMMA) {
        this.values++;
        this.recordHasBytes = true;
      } else {
        this.recordHasBytes = true;
      }
    }
  }

  private endRecord(): void {
    const values = this.values;
    const hadBytes = this.recordHasBytes;
    const line = this.recordStartLine;
    this.values = 1;
    this.recordHasBytes = false;
    this.recordStartLine = this.line;
    if (this.header === undefined) {
      this.header = parseHeader(Buffer.from(this.headerBytes).toString('utf8'));
      this.headerBytes = [];
      checkHeader(this.file, this.header);
      return;
    }
    if (!hadBytes && values === 1) return; // a blank line
    this.rows++;
    const expected = this.header.length;
    if (values === expected) return;
    const where = `${this.file}: line ${line} (row ${this.rows})`;
    if (values < expected) {
      const missing = this.header.slice(values);
      throw invalidParameter(
        'path',
        `${where} has ${values} values but the header names ${expected} columns: no value for column "${missing[0]}"` +
          (missing.length > 1 ? ` and ${missing.length - 1} more` : ''),
      );
    }
    throw invalidParameter(
      'path',
      `${where} has ${values} values but the header names ${expected} columns: an extra value after column "${this.header[expected - 1]}"`,
    );
  }

  /** Finds the first line that is not UTF-8 and names it (and for CSV, the column). */
  private failEncoding(lines: Buffer): never {
    let start = 0;
    let line = this.line;
    while (start < lines.length) {
      let end = lines.indexOf(NEWLINE, start);
      if (end < 0) end = lines.length;
      const bytes = lines.subarray(start, end);
      if (!isUtf8(bytes)) {
        const bad = firstInvalidByte(bytes);
        let where = `line ${line}`;
        // The header may sit in this very chunk, ahead of the bad line.
        const header =
          this.header ??
          (line > 1 ? parseHeader(lines.subarray(0, lines.indexOf(NEWLINE)).toString('utf8')) : undefined);
        if (this.csv && header) {
          const index = countUnquoted(bytes.subarray(0, bad), COMMA);
          where += `, column "${header[index] ?? `#${index + 1}`}"`;
        }
        throw invalidParameter(
          'path',
          `${this.file}: ${where} is not UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at position ${bad + 1}): save the file as UTF-8 and add it again`,
        );
      }
      start = end + 1;
      line++;
    }
    throw invalidParameter('path', `${this.file} is not UTF-8 text: save it as UTF-8 and add it again`);
  }
}

/** Where the first bad sequence starts: walks the characters, asking Node about each multi-byte one. */
function firstInvalidByte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || (length > 1 && !isUtf8(bytes.subarray(i, i + length)))) return i;
    i += length;
  }
  return bytes.length - 1;
}

function countUnquoted(bytes: Buffer, separator: number): number {
  let count = 0;
  let quoted = false;
  for (const b of bytes) {
    if (b === QUOTE) quoted = !quoted;
    else if (b === separator && !quoted) count++;
  }
  return count;
}

/** Splits the header line on commas outside quotes and unquotes each name. */
function parseHeader(text: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      if (quoted && text[i + 1] === '"') {
        current += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      names.push(current);
      current = '';
    } else if (c !== '\n' && c !== '\r') current += c;
  }
  names.push(current);
  return names.map((n) => n.trim());
}

function checkHeader(file: string, names: string[]): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') {
      throw invalidParameter(
        'path',
        `${file}: line 1 (the header) has no name for column ${i + 1}: every column needs a name`,
      );
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw invalidParameter(
        'path',
        `${file}: line 1 (the header) names column "${name}" twice (columns ${first + 1} and ${i + 1})`,
      );
    }
    seen.set(name, i);
  });
}
