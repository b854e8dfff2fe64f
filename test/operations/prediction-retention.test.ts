import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { parseRetentionSpec } from '../../src/core/retention-spec.js';
import type { FeedbackTables } from '../../src/feedback/tables.js';
import { writeLabelledPredictions } from '../../src/feedback/labelled-export.js';
import { PredictionRetention } from '../../src/operations/prediction-retention.js';
import { startRetention } from '../../src/operations/retention.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { registerMonitoredModel } from '../monitoring/monitoring-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const day = 86_400_000;

describeEachDialect('prediction log retention', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  const db = () => platform.database.tables<FeedbackTables>();

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 11, 1));
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(() => platform.close());

  /** `count` predictions of `model`, `ageDays` old, each about `inputBytes` of input text. */
  async function logged(model: string, count: number, ageDays: number, inputBytes = 10): Promise<string[]> {
    const rows = Array.from({ length: count }, (_, i) => ({
      id: `${model}-${ageDays}-${i}`,
      request_id: `r-${model}-${ageDays}-${i}`,
      time: clock.now() - ageDays * day + i,
      model,
      version: 1,
      deployment: null,
      arm: 'primary',
      inputs: JSON.stringify({ x: 'a'.repeat(inputBytes) }),
      outputs: '{"label":1}',
      latency_ms: 1,
      request_key: null,
    }));
    await db().insertInto('predictions').values(rows).execute();
    return rows.map((r) => r.id);
  }

  async function remaining(model: string): Promise<string[]> {
    const rows = await db()
      .selectFrom('predictions')
      .select('id')
      .where('model', '=', model)
      .orderBy('time')
      .execute();
    return rows.map((r) => r.id);
  }

  it('deletes predictions past the age limit in batches, keeping labelled ones and recent ones', async () => {
    const old = await logged('churn', 7, 40);
    const recent = await logged('churn', 3, 1);
    await db()
      .insertInto('feedback')
      .values({
        prediction_id: old[2]!,
        model: 'churn',
        version: 1,
        label: '1',
        source: null,
        created_time: clock.now(),
        updated_time: clock.now(),
        revision: 1,
      })
      .execute();
    // A batch of 3 takes three statements to delete the 6 unlabelled old rows.
    const retention = new PredictionRetention(db(), clock, parseRetentionSpec('30d'), 3);
    expect(await retention.apply()).toEqual([{ model: 'churn', deletedByAge: 6, deletedBySize: 0 }]);
    expect(await remaining('churn')).toEqual([old[2], ...recent]);
    expect(await retention.apply()).toEqual([]);
  });

  it('keeps the labelled predictions a dataset version was built from and a gate report was judged on', async () => {
    const model = await registerMonitoredModel(platform);
    const ids = await logged(model, 6, 40);
    const labelled = [ids[1]!, ids[4]!];
    await platform.feedback.labels.attach([
      { predictionId: labelled[0]!, label: 'stay' },
      { predictionId: labelled[1]!, label: 'churn' },
    ]);
    // `mloop feedback export credit --dataset credit-labelled`, then a gate run on that version.
    const file = join(tempDir('mloop-retention-export-'), 'labelled.parquet');
    await writeLabelledPredictions(
      platform.feedback.labelled.labelledPredictions({ model, from: 0, to: clock.now() }),
      file,
    );
    const { version } = await platform.data.datasets.add('credit-labelled', file);
    await platform.registry.gates.record(model, 1, {
      passed: true,
      checks: [],
      holdout: `${version.name}/${version.version}`,
      rows: version.rowCount,
    });

    // Even a size limit of 1 byte and an age of 1 minute remove only the unlabelled rows.
    const retention = new PredictionRetention(db(), clock, parseRetentionSpec('1m:1B'));
    // (Other tests' models lose their rows too: only this model's are checked.)
    const result = (await retention.apply()).find((r) => r.model === model);
    expect(result!.deletedByAge + result!.deletedBySize).toBe(4);
    expect(await remaining(model)).toEqual(labelled);
    const [report] = await platform.registry.gates.reports(model, 1);
    const holdout = await platform.data.datasets.get(report!.holdout);
    expect(holdout.rowCount).toBe(2);
    for (const f of holdout.files)
      expect(await platform.artifactStore.get(`${holdout.storagePath}/${f.path}`)).toBeDefined();
  });

  it('lets the log take new predictions while a long pass deletes, batch by batch', async () => {
    for (let i = 0; i < 10; i++) await logged(`busy${i}`, 500, 60);
    let finished = false;
    const pass = new PredictionRetention(db(), clock, parseRetentionSpec('30d'), 100)
      .apply()
      .then((results) => ((finished = true), results));
    // A write of the log (what serving does at every flush) lands between two batches.
    const [fresh] = await logged('busy0', 1, 0);
    expect(finished).toBe(false);
    const results = await pass;
    expect(results.reduce((n, r) => n + r.deletedByAge, 0)).toBe(5000);
    expect(await remaining('busy0')).toEqual([fresh]);
  });

  it("keeps at most a model's row limit, its newest rows", async () => {
    const rows = [...(await logged('ads', 6, 3)), ...(await logged('ads', 3, 2))];
    const retention = new PredictionRetention(db(), clock, parseRetentionSpec('ads=4rows'), 2);
    expect(await retention.apply()).toEqual([{ model: 'ads', deletedByAge: 0, deletedBySize: 5 }]);
    expect(await remaining('ads')).toEqual(rows.slice(-4));
  });

  it("keeps a model's newest predictions within its size limit; its own rule replaces the global one", async () => {
    const older = await logged('fraud', 20, 90, 200);
    const newer = await logged('fraud', 5, 60, 200);
    // Each row holds ~300 bytes of text (inputs, outputs, ids, a fixed overhead): 1KB keeps the newest 3.
    const retention = new PredictionRetention(db(), clock, parseRetentionSpec('30d,fraud=1KB'));
    expect(await retention.apply()).toEqual([{ model: 'fraud', deletedByAge: 0, deletedBySize: 22 }]);
    const left = await remaining('fraud');
    expect(left).toEqual(newer.slice(-3));
    expect(older.some((id) => left.includes(id))).toBe(false);
  });
});

describe('prediction log retention across servers', () => {
  it('runs on one server of those sharing a database (the duty leader)', async () => {
    const home = tempDir('mloop-retention-');
    const config = loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}` }, {});
    const servers = [await openPlatform(config), await openPlatform(config)];
    try {
      let passes = 0;
      const counting = { name: 'prediction log', apply: async () => ((passes += 1), { removed: 0 }) };
      const duties = servers.map((s) => startRetention([counting], 60_000, s.background, s.governance.audit));
      for (const duty of duties) await duty.tick();
      for (const duty of duties) await duty.tick();
      expect(passes).toBe(2);
      for (const duty of duties) await duty.stop();
    } finally {
      for (const s of servers) await s.close();
    }
  });
});

describe('MLOOP_PREDICTION_RETENTION', () => {
  it('reads ages and sizes, globally and per model, and names what it cannot read', () => {
    expect(parseRetentionSpec('90d:10GB, churn=7d ,fraud=500MB:2w')).toEqual({
      global: { maxAgeMs: 90 * day, maxBytes: 10e9 },
      models: { churn: { maxAgeMs: 7 * day }, fraud: { maxBytes: 500e6, maxAgeMs: 14 * day } },
    });
    expect(() => parseRetentionSpec('churn=7 days')).toThrow(/"7 days" in "churn=7 days" is neither an age/);
    expect(parseRetentionSpec('30d:2.5Mrows,ads=50000rows,fraud=1GB:10krows')).toEqual({
      global: { maxAgeMs: 30 * day, maxRows: 2_500_000 },
      models: { ads: { maxRows: 50_000 }, fraud: { maxBytes: 1e9, maxRows: 10_000 } },
    });
    expect(loadConfig({}, { MLOOP_PREDICTION_RETENTION: '30d' }).predictionRetention).toEqual({
      global: { maxAgeMs: 30 * day },
      models: {},
    });
    expect(loadConfig({}, {}).predictionRetention).toBeUndefined();
  });
});
