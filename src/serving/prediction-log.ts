import type { Kysely } from 'kysely';
import { invalidParameter, notFound } from '../core/errors.js';
import type { Page } from '../tracking/types.js';
import type { Prediction } from './model-runtime.js';
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
   * Most rows held in memory while the database is slow or down (default 100,000). Beyond it the
   * oldest are dropped and counted, so serving keeps answering instead of running out of memory.
   */
  maxQueuedRows?: number;
  /** Told about a failed write (the rows stay queued and are retried). */
  onWriteError?: (error: unknown) => void;
}

export interface PredictionLogStats {
  queued: number;
  written: number;
  dropped: number;
}

const defaultMaxResults = 100;
const maxMaxResults = 1000;

/**
 * The prediction log. Serving appends without waiting; rows are written by a background flush
 * in one transaction per batch, every `flushIntervalMs` or as soon as `batchRows` are waiting.
 *
 * Durability trade-off: a prediction is answered before it is stored, so the request path never
 * waits for the database. A crash (kill -9, power loss) loses at most the rows of the last
 * unflushed interval (about 50 ms of traffic by default); a clean shutdown loses none, because
 * `close()` writes everything queued. A database outage loses rows only beyond `maxQueuedRows`.
 */
export class PredictionLog {
  private queue: PredictionRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private written = 0;
  private dropped = 0;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly maxQueuedRows: number;

  constructor(
    private readonly db: Kysely<ServingTables>,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.batchRows = options.batchRows ?? 500;
    this.maxQueuedRows = options.maxQueuedRows ?? 100_000;
  }

  /** Queues predictions for writing; never waits and never throws. */
  append(predictions: readonly LoggedPrediction[]): void {
    if (this.closed) {
      this.dropped += predictions.length;
      return;
    }
    for (const p of predictions) this.queue.push(toRow(p));
    this.trim();
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
    this.queue = [];
    this.flushing = this.write(rows).then((ok) => {
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

  /** Stops accepting predictions and writes the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  stats(): PredictionLogStats {
    return { queued: this.queue.length, written: this.written, dropped: this.dropped };
  }

  /** One prediction by id, including one not yet written. */
  async get(id: string): Promise<LoggedPrediction> {
    const row =
      (await this.db.selectFrom('predictions').selectAll().where('id', '=', id).executeTakeFirst()) ??
      this.queue.find((r) => r.id === id);
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

  private async write(rows: PredictionRow[]): Promise<boolean> {
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
      return true;
    } catch (error) {
      // Put the rows back in front, so the next flush retries them in order.
      this.queue = rows.concat(this.queue);
      this.trim();
      this.options.onWriteError?.(error);
      return false;
    }
  }

  private trim(): void {
    const excess = this.queue.length - this.maxQueuedRows;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.dropped += excess;
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
