import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { PredictionRow } from './tables.js';
import { processExists } from '../core/process-exists.js';

/**
 * The prediction log's write-ahead journal: every prediction is appended to a local file before
 * its id is answered, and the file is deleted once the database holds its rows. A process killed
 * (kill -9, out of memory) between the answer and the database write leaves its rows here; the
 * next process to open the log on this home writes them in. The write reaches the operating system
 * (not fsync'd): it survives the process, not a power loss of the host.
 *
 * Files are named `HOST-PID-START-SEQ.jsonl`, one JSON row a line. A flush seals the file being
 * appended to and starts a new one, so a file's rows are all in one database write.
 */
export class PredictionJournal {
  private fd: number | undefined;
  private current: string | undefined;
  private sealed: string[] = [];
  private seq = 0;
  private readonly prefix = `${hostname()}-${process.pid}-${Date.now()}`;

  constructor(private readonly dir: string) {}

  /** Appends rows; returns once the operating system holds them. Throws when the disk refuses. */
  append(rows: readonly PredictionRow[]): void {
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.current = join(this.dir, `${this.prefix}-${++this.seq}.jsonl`);
      this.fd = openSync(this.current, 'a');
    }
    writeSync(this.fd, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  /** Closes the file being appended to; returns every file whose rows are now all queued for a write. */
  seal(): readonly string[] {
    if (this.fd !== undefined && this.current !== undefined) {
      closeSync(this.fd);
      this.sealed.push(this.current);
      this.fd = undefined;
      this.current = undefined;
    }
    return [...this.sealed];
  }

  /** Deletes files whose rows the database now holds. */
  release(files: readonly string[]): void {
    for (const file of files) unlinkQuietly(file);
    this.sealed = this.sealed.filter((f) => !files.includes(f));
  }

  /** Closes the open file; files with rows not yet written stay for the next process. */
  close(): void {
    this.seal();
  }

  /**
   * Journals left by processes that are gone: on this host, those whose process no longer runs;
   * from another host sharing the directory, those untouched for `staleMs` (a live process rotates
   * its file at every write).
   */
  orphans(staleMs = 10 * 60_000): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.jsonl'));
    } catch {
      return [];
    }
    const host = hostname();
    return names
      .filter((name) => !name.startsWith(`${this.prefix}-`))
      .filter((name) => {
        const match = /^(.*)-(\d+)-(\d+)-(\d+)\.jsonl$/.exec(name);
        if (match?.[1] === host) return !isRunning(Number(match[2]));
        try {
          return Date.now() - statSync(join(this.dir, name)).mtimeMs > staleMs;
        } catch {
          return false;
        }
      })
      .map((name) => join(this.dir, name));
  }
}

/** The rows of a journal file; a line cut short by a crash mid-write is skipped. */
export function readJournal(file: string): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      rows.push(JSON.parse(line) as PredictionRow);
    } catch {
      // The last line of a file whose writer died mid-write; its prediction was never answered.
    }
  }
  return rows;
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone (another process recovered it)
  }
}

function isRunning(pid: number): boolean {
  // This process's own id on a journal means an earlier process of that id (a restarted container).
  return pid !== process.pid && processExists(pid);
}
