import { sql } from 'kysely';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { Platform } from '../../src/platform.js';
import { PredictionJournal } from '../../src/serving/prediction-journal.js';
import { PredictionLog, type LoggedPrediction } from '../../src/serving/prediction-log.js';
import type { ServingTables } from '../../src/serving/tables.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { until } from '../helpers/poll.js';

const t0 = Date.UTC(2026, 2, 1);

function prediction(overrides: Partial<LoggedPrediction> = {}): LoggedPrediction {
  return {
    id: newId('pred'),
    requestId: newId('req'),
    time: t0,
    model: 'iris',
    version: 1,
    deployment: undefined,
    arm: 'default',
    inputs: { sepal_length: 5.1, petal_count: 3 },
    outputs: { label: 'setosa', probabilities: { setosa: 0.9, versicolor: 0.07, virginica: 0.03 } },
    latencyMs: 1.25,
    requestKey: undefined,
    ...overrides,
  };
}

describeEachDialect('PredictionLog', (dialect) => {
  let platform: Platform;
  let log: PredictionLog;
  beforeEach(async () => {
    platform = await openTestPlatform(dialect);
    log = new PredictionLog(platform.database.tables<ServingTables>());
  });
  afterEach(async () => {
    await log.close();
    await platform.close();
  });

  it('reads a prediction back by id, with its inputs and outputs as logged', async () => {
    const p = prediction({ deployment: 'checkout', arm: 'candidate', requestKey: 'user-7', version: 3 });
    log.append([p]);
    await log.flush();
    expect(await log.get(p.id)).toEqual(p);
  });

  it('finds a prediction that is still queued', async () => {
    const slow = new PredictionLog(platform.database.tables<ServingTables>(), { flushIntervalMs: 60_000 });
    const p = prediction();
    slow.append([p]);
    expect(slow.stats().queued).toBe(1);
    expect((await slow.get(p.id)).id).toBe(p.id);
    await slow.close();
    expect(slow.stats()).toMatchObject({ queued: 0, written: 1 });
  });

  it('answers not found for an unknown id', async () => {
    await expect(log.get('pred_nope')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
  });

  it('writes in the background: a full batch at once, a partial one within the interval', async () => {
    log.append(Array.from({ length: 1200 }, (_, i) => prediction({ time: t0 + i })));
    await until(() => log.stats().written === 1200);
    log.append([prediction()]);
    await until(() => log.stats().written === 1201);
    expect(log.stats().queued).toBe(0);
  });

  it('lists by model and time window in time order, page by page', async () => {
    const rows = Array.from({ length: 25 }, (_, i) =>
      prediction({ time: t0 + i * 1000, model: i % 5 === 0 ? 'other' : 'iris' }),
    );
    log.append(rows);
    const window = { model: 'iris', from: t0 + 2000, to: t0 + 20_000 };
    const seen: LoggedPrediction[] = [];
    let pageToken: string | undefined;
    do {
      const page = await log.list({ ...window, maxResults: 4, pageToken });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const expected = rows.filter((r) => r.model === 'iris' && r.time >= window.from && r.time < window.to);
    expect(seen.map((p) => p.id)).toEqual(expected.map((p) => p.id));
  });

  it('pages through rows that share a timestamp without skipping or repeating any', async () => {
    const rows = Array.from({ length: 30 }, () => prediction());
    log.append(rows);
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await log.list({ maxResults: 7, pageToken });
      ids.push(...page.items.map((p) => p.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(ids).toEqual(rows.map((r) => r.id).sort());
  });

  it('lists newest first on request, paging backwards without skipping or repeating', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => prediction({ time: t0 + Math.floor(i / 3) * 1000 }));
    log.append(rows);
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await log.list({ maxResults: 5, pageToken, newestFirst: true });
      ids.push(...page.items.map((p) => p.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    const newestFirst = [...rows].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
    expect(ids).toEqual(newestFirst.map((r) => r.id));
  });

  it('filters by deployment', async () => {
    log.append([prediction({ deployment: 'a' }), prediction({ deployment: 'b' }), prediction()]);
    const page = await log.list({ deployment: 'b' });
    expect(page.items.map((p) => p.deployment)).toEqual(['b']);
  });

  it('rejects a bad page token and a bad page size', async () => {
    await expect(log.list({ pageToken: 'garbage' })).rejects.toMatchObject({ status: 400 });
    await expect(log.list({ maxResults: 0 })).rejects.toMatchObject({ status: 400 });
  });

  it('writes everything queued on close, and refuses what arrives after with a 503', async () => {
    const slow = new PredictionLog(platform.database.tables<ServingTables>(), { flushIntervalMs: 60_000 });
    slow.append(Array.from({ length: 10 }, () => prediction()));
    await slow.close();
    expect(() => slow.append([prediction()])).toThrow(expect.objectContaining({ status: 503 }));
    expect(slow.stats()).toEqual({ queued: 0, written: 10, refused: 1 });
    expect((await log.list()).items).toHaveLength(10);
  });

  it('keeps rows queued while writes fail and writes them once the table is back', async () => {
    const errors: unknown[] = [];
    const db = platform.database.tables<ServingTables>();
    const retrying = new PredictionLog(db, { flushIntervalMs: 10, onWriteError: (e) => errors.push(e) });
    await sql`alter table predictions rename to predictions_away`.execute(db);
    const rows = [prediction(), prediction(), prediction()];
    retrying.append(rows);
    await until(() => errors.length >= 2);
    expect(retrying.stats()).toMatchObject({ queued: 3, written: 0, refused: 0 });
    await sql`alter table predictions_away rename to predictions`.execute(db);
    await until(() => retrying.stats().written === 3);
    expect((await log.list()).items.map((p) => p.id)).toEqual(rows.map((r) => r.id).sort());
    await retrying.close();
  });

  it('refuses with 503 and a retry delay beyond its row bound, losing none it accepted', async () => {
    const bounded = new PredictionLog(platform.database.tables<ServingTables>(), {
      flushIntervalMs: 60_000,
      batchRows: 1000,
      maxQueuedRows: 5,
    });
    const accepted = Array.from({ length: 4 }, () => prediction());
    bounded.append(accepted);
    expect(() => bounded.append([prediction(), prediction()])).toThrow(
      expect.objectContaining({ status: 503, retryAfterSeconds: 1 }),
    );
    expect(bounded.stats()).toEqual({ queued: 4, written: 0, refused: 2 });
    await bounded.close();
    expect((await log.list()).items.map((p) => p.id)).toEqual(accepted.map((r) => r.id).sort());
  });

  it('refuses with 503 once its oldest unwritten row is older than the time bound', async () => {
    const db = platform.database.tables<ServingTables>();
    const bounded = new PredictionLog(db, { flushIntervalMs: 5, maxQueuedMs: 100, onWriteError: () => {} });
    await sql`alter table predictions rename to predictions_away`.execute(db);
    bounded.append([prediction()]);
    const queuedAt = Date.now();
    let refusedAt: number | undefined;
    await until(() => {
      try {
        bounded.append([prediction()]);
        return false;
      } catch (error) {
        expect(error).toMatchObject({ status: 503 });
        refusedAt = Date.now();
        return true;
      }
    });
    expect(refusedAt! - queuedAt).toBeGreaterThanOrEqual(100);
    await sql`alter table predictions_away rename to predictions`.execute(db);
    await until(() => bounded.stats().queued === 0);
    expect(() => bounded.append([prediction()])).not.toThrow();
    await bounded.close();
  });

  it("journals a row before append returns, and a later log writes a stopped process's journal in", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const db = platform.database.tables<ServingTables>();
    const p = prediction();
    // A journal another (dead) process on this host left: the pid of a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, `${hostname()}-${dead}-1-1.jsonl`), '');
    const crashed = new PredictionLog(db, { flushIntervalMs: 60_000, journal: new PredictionJournal(dir) });
    crashed.append([p]);
    const files = readdirSync(dir).filter((f) => f.startsWith(`${hostname()}-${process.pid}-`));
    expect(readFileSync(join(dir, files[0]!), 'utf8')).toContain(p.id);
    // Renamed as a dead process's, as if this one had been killed before its write.
    renameSync(join(dir, files[0]!), join(dir, `${hostname()}-${dead}-2-1.jsonl`));
    const next = new PredictionLog(db, { journal: new PredictionJournal(dir) });
    expect(await next.recover()).toBe(1);
    expect(await log.get(p.id)).toEqual(p);
    expect(readdirSync(dir)).toEqual([]);
    await next.close();
  });

  it('deletes a journal file once the database holds its rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const journaled = new PredictionLog(platform.database.tables<ServingTables>(), {
      journal: new PredictionJournal(dir),
    });
    journaled.append([prediction(), prediction()]);
    expect(readdirSync(dir)).toHaveLength(1);
    await journaled.flush();
    expect(readdirSync(dir)).toEqual([]);
    await journaled.close();
  });
});
