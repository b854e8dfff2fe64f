import type { Kysely } from 'kysely';
import { invalidParameter, notFound, temporarilyUnavailable } from '../core/errors.js';
import type { Page } from '../tracking/types.js';
import type { Prediction } from './model-runtime.js';
import { readJournal, unlinkQuietly, type PredictionJournal } from './prediction-journal.js';
import { decodePredictionCursor, encodePredictionCursor } from './prediction-cursor.js';
import type { PredictionRow, ServingTables } from './tables.js';

/** One scored record, as the log keeps it. */
export interface LoggedPrediction {
  id: string;
  /** The request the record came in; a batch shares one. */
  requestId: string;
  /** When the request was scored, ms since the epoch. */
  time: number;
  model: string;
  version: number;
  /** The deployment that routed the request; undefined when a model was called directly. */
  deployment: string | undefined;
  /** The deployment arm that scored it (`default` outside deployments, `shadow` for copies). */
  arm: string;
  inputs: Record<string, unknown>;
  outputs: Prediction;
  /** Time the whole request took to score, in milliseconds. */
  latencyMs: number;
  /** The caller's key (a user or session id), when it sent one. */
  requestKey: string | undefined;
}

export interface ListPredictionsInput {
  model?: string | undefined;
  deployment?: string | undefined;
  /** Inclusive lower bound on `time`, ms. */
  from?: number | undefined;
  /** Exclusive upper bound on `time`, ms. */
  to?: number | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
  /** Newest first (what an operator looks at); oldest first by default (what a reader replays). */
  newestFirst?: boolean | undefined;
}

export interface PredictionLogOptions {
  /** How long a prediction waits in memory before its batch is written (default 50 ms). */
  flushIntervalMs?: number;
  /** Rows that trigger a write at once, and the rows of one INSERT (default 500). */
  batchRows?: number;
  /**
   * The bound, in rows: most predictions answered but not yet in the database (default 100,000).
   * Beyond it serving refuses with 503 and Retry-After rather than hold more.
   */
  maxQueuedRows?: number;
  /**
   * The bound, in time: how long the oldest prediction not yet in the database may wait (default
   * 30 s). Past it serving refuses with 503 and Retry-After until the database catches up.
   */
  maxQueuedMs?: number;
  /** Where predictions are journaled before their ids are answered; none keeps them in memory only. */
  journal?: PredictionJournal;
  /** Told about a failed write (the rows stay queued and are retried). */
  onWriteError?: (error: unknown) => void;
}

export interface PredictionLogStats {
  /** Answered, not yet in the database. */
  queued: number;
  written: number;
  /** Predictions refused (503) because the log was at its bound or closed. */
  refused: number;
}

const defaultMaxResults = 100;
const maxMaxResults = 1000;

/**
 * The prediction log. Serving appends; rows are written by a background flush in one transaction
 * per batch, every `flushIntervalMs` or as soon as `batchRows` are waiting.
 *
 * The loss bound: with a journal (as the server runs it), a prediction's id is answered only after
 * its row is in the journal file, so killing the process loses no answered prediction; the next
 * start writes the journal in (`recover`). Without one, a crash loses what was queued. Either way
 * at most `maxQueuedRows` rows, none older than `maxQueuedMs`, wait for the database: past either
 * bound `append` refuses (503 with Retry-After) instead of answering ids it could not keep.
 */
export class PredictionLog {
  private queue: PredictionRow[] = [];
  /** Rows of the write in flight; back in front of the queue if it fails. */
  private inFlight: PredictionRow[] = [];
  /** When the oldest row not yet in the database was queued (ms since the epoch). */
  private queuedSince: number | undefined;
  private inFlightSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private written = 0;
  private refused = 0;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly maxQueuedRows: number;
  private readonly maxQueuedMs: number;

  constructor(
    private readonly db: Kysely<ServingTables>,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.batchRows = options.batchRows ?? 500;
    this.maxQueuedRows = options.maxQueuedRows ?? 100_000;
    this.maxQueuedMs = options.maxQueuedMs ?? 30_000;
  }

  /**
   * Queues predictions for writing, journaled first when there is a journal. Never waits; throws
   * a 503 (with a retry delay) when the log is at its bound or closed, and nothing is kept then.
   */
  append(predictions: readonly LoggedPrediction[]): void {
    const full =
      this.queue.length + this.inFlight.length + predictions.length > this.maxQueuedRows ||
      Date.now() - (this.inFlightSince ?? this.queuedSince ?? Infinity) > this.maxQueuedMs;
    if (this.closed || full) {
      this.refused += predictions.length;
      throw temporarilyUnavailable(
        this.closed
          ? 'The server is shutting down; retry on another replica or after it restarts'
          : 'The prediction log is behind the database beyond its bound; retry shortly',
        1,
      );
    }
    const rows = predictions.map(toRow);
    try {
      this.options.journal?.append(rows);
    } catch (error) {
      this.refused += predictions.length;
      this.options.onWriteError?.(error);
      throw temporarilyUnavailable('The prediction journal cannot be written; retry shortly', 1);
    }
    this.queuedSince ??= Date.now();
    for (const row of rows) this.queue.push(row);
    this.schedule();
  }

  /** Writes everything queued so far; resolves once it is stored (or the write failed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return;
    const rows = this.queue;
    const files = this.options.journal?.seal() ?? [];
    this.queue = [];
    this.inFlight = rows;
    this.inFlightSince = this.queuedSince;
    this.queuedSince = undefined;
    this.flushing = this.write(rows, files).then((ok) => {
      this.flushing = undefined;
      // Rows that arrived during the write go next; after a failure, wait an interval to retry.
      if (this.queue.length > 0 && !this.closed) {
        if (ok) this.schedule();
        else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
      }
    });
    await this.flushing;
  }

  /** A write now when a batch is full, else within the interval; none while one is running. */
  private schedule(): void {
    if (this.flushing) return;
    if (this.queue.length >= this.batchRows) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
  }

  /**
   * Stops accepting predictions and writes the queued ones. Rows the database refuses stay in
   * the journal for the next start.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.options.journal?.close();
  }

  /**
   * Writes in the journals processes that ended before their rows reached the database left
   * behind (a row already there is skipped), and deletes them. Returns the rows written.
   */
  async recover(): Promise<number> {
    const journal = this.options.journal;
    if (!journal) return 0;
    let recovered = 0;
    for (const file of journal.orphans()) {
      const rows = readJournal(file);
      for (let i = 0; i < rows.length; i += this.batchRows) {
        await this.db
          .insertInto('predictions')
          .values(rows.slice(i, i + this.batchRows))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
      unlinkQuietly(file);
      recovered += rows.length;
    }
    return recovered;
  }

  stats(): PredictionLogStats {
    return { queued: this.queue.length + this.inFlight.length, written: this.written, refused: this.refused };
  }

  /** One prediction by id, including one not yet written. */
  async get(id: string): Promise<LoggedPrediction> {
    const row =
      (await this.db.selectFrom('predictions').selectAll().where('id', '=', id).executeTakeFirst()) ??
      this.queue.find((r) => r.id === id) ??
      this.inFlight.find((r) => r.id === id);
    if (!row) throw notFound(`No prediction with id '${id}'`);
    return fromRow(row);
  }

  /**
   * Predictions in time order (oldest first unless `newestFirst`), optionally of one model or deployment and within
   * [from, to). Queued predictions are written first, so a caller sees its own.
   */
  async list(input: ListPredictionsInput = {}): Promise<Page<LoggedPrediction>> {
    const maxResults = input.maxResults ?? defaultMaxResults;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > maxMaxResults) {
      throw invalidParameter('maxResults', `maxResults must be an integer from 1 to ${maxMaxResults}`);
    }
    const after = decodePredictionCursor(input.pageToken);
    await this.flush();
    let query = this.db.selectFrom('predictions').selectAll();
    if (input.model !== undefined) query = query.where('model', '=', input.model);
    if (input.deployment !== undefined) query = query.where('deployment', '=', input.deployment);
    if (input.from !== undefined) query = query.where('time', '>=', input.from);
    if (input.to !== undefined) query = query.where('time', '<', input.to);
    const past = input.newestFirst ? '<' : '>';
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('time', past, after.time),
          eb.and([eb('time', '=', after.time), eb('id', past, after.id)]),
        ]),
      );
    }
    const direction = input.newestFirst ? 'desc' : 'asc';
    const rows = await query
      .orderBy('time', direction)
      .orderBy('id', direction)
      .limit(maxResults + 1)
      .execute();
    const page = rows.slice(0, maxResults);
    const last = page[page.length - 1];
    return {
      items: page.map(fromRow),
      nextPageToken:
        rows.length > maxResults && last
          ? encodePredictionCursor({ time: Number(last.time), id: last.id })
          : undefined,
    };
  }

  private async write(rows: PredictionRow[], files: readonly string[]): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (tx) => {
        for (let i = 0; i < rows.length; i += this.batchRows) {
          await tx
            .insertInto('predictions')
            .values(rows.slice(i, i + this.batchRows))
            .execute();
        }
      });
      this.written += rows.length;
      this.inFlight = [];
      this.inFlightSince = undefined;
      this.options.journal?.release(files);
      return true;
    } catch (error) {
      // Put the rows back in front, so the next flush retries them in order.
      this.queue = rows.concat(this.queue);
      this.queuedSince = this.inFlightSince ?? this.queuedSince;
      this.inFlight = [];
      this.inFlightSince = undefined;
      this.options.onWriteError?.(error);
      return false;
    }
  }
}

function toRow(p: LoggedPrediction): PredictionRow {
  return {
    id: p.id,
    request_id: p.requestId,
    time: p.time,
    model: p.model,
    version: p.version,
    deployment: p.deployment ?? null,
    arm: p.arm,
    inputs: JSON.stringify(p.inputs),
    outputs: JSON.stringify(p.outputs),
    latency_ms: p.latencyMs,
    request_key: p.requestKey ?? null,
  };
}

function fromRow(row: PredictionRow): LoggedPrediction {
  return {
    id: row.id,
    requestId: row.request_id,
    time: Number(row.time),
    model: row.model,
    version: Number(row.version),
    deployment: row.deployment ?? undefined,
    arm: row.arm,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    outputs: JSON.parse(row.outputs) as Prediction,
    latencyMs: Number(row.latency_ms),
    requestKey: row.request_key ?? undefined,
  };
}
