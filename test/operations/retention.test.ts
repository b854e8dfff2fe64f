import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import type { AlertTables } from '../../src/monitoring/alerts/tables.js';
import type { GovernanceTables } from '../../src/governance/tables.js';
import type { PipelineTables } from '../../src/pipelines/tables.js';
import { AlertRetention } from '../../src/operations/alert-retention.js';
import { PipelineLogRetention } from '../../src/operations/pipeline-log-retention.js';
import { retentionTasks, startRetention, type RetentionTask } from '../../src/operations/retention.js';
import { parseRetentionSpec } from '../../src/core/retention-spec.js';
import type { Platform } from '../../src/platform.js';
import { openPlatform } from '../../src/platform.js';
import { runMloop } from '../helpers/cli.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const day = 86_400_000;

describeEachDialect('retention of alerts, the audit log and pipeline logs', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = new ManualClock(Date.UTC(2026, 11, 1));
    platform = await openTestPlatform(dialect, clock);
  });
  afterAll(() => platform.close());

  describe('alerts', () => {
    const db = () => platform.database.tables<AlertTables>();
    let next = 0;

    async function alert(rule: string, model: string, firedDaysAgo: number, resolved: boolean) {
      const id = `alert-${(next += 1)}`;
      const fired = clock.now() - firedDaysAgo * day;
      await db()
        .insertInto('alerts')
        .values({
          id,
          rule,
          target_kind: 'model',
          target: model,
          model,
          kind: 'drift',
          value: 0.3,
          threshold: 0.2,
          status: resolved ? 'resolved' : 'firing',
          message: 'drift',
          fired_time: fired,
          resolved_time: resolved ? fired + 3_600_000 : null,
          resolved_value: null,
          webhook_status: 'none',
          webhook_attempts: 0,
          webhook_error: null,
          webhook_time: null,
        })
        .execute();
      return id;
    }

    const ids = async () =>
      (await db().selectFrom('alerts').select('id').orderBy('id').execute()).map((r) => r.id).sort();

    it("removes resolved alerts past their model's age, in batches; firing ones and each rule's newest stay", async () => {
      const oldResolved = [
        await alert('churn-drift', 'churn', 100, true),
        await alert('churn-drift', 'churn', 95, true),
        await alert('churn-drift', 'churn', 92, true),
      ];
      const oldFiring = await alert('churn-psi', 'churn', 100, false);
      const recent = await alert('churn-drift', 'churn', 10, true);
      // fraud's own rule keeps 365 days; its newest alert is old but is its rule's last.
      const fraudOld = await alert('fraud-drift', 'fraud', 200, true);
      const fraudNewest = await alert('fraud-drift', 'fraud', 150, true);
      const orphanNewest = await alert('gone-rule', 'churn', 300, true);

      const retention = new AlertRetention(db(), clock, parseRetentionSpec('90d,fraud=100d', 'x', false), 2);
      expect(await retention.apply()).toEqual([
        { model: 'churn', deleted: 3 },
        { model: 'fraud', deleted: 1 },
      ]);
      expect(await ids()).toEqual([oldFiring, recent, fraudNewest, orphanNewest].sort());
      expect(oldResolved.some((id) => fraudOld === id)).toBe(false);
      expect(await retention.apply()).toEqual([]);
    });
  });

  describe('the audit log', () => {
    const db = () => platform.database.tables<GovernanceTables>();
    const audit = () => platform.governance.audit;

    async function entries(count: number, daysAgo: number): Promise<void> {
      clock.advance(-daysAgo * day);
      for (let i = 0; i < count; i++)
        await audit().append({
          kind: 'model',
          actor: 'alice',
          action: 'model.register',
          outcome: 'ok',
          method: 'cli',
          path: '',
          status: 0,
          objectKind: 'model',
          objectId: `m${i}`,
        });
      clock.advance(daysAgo * day);
    }

    it('removes the oldest entries and stays verifiable from a sealed checkpoint; cutting more, or moving the checkpoint, shows', async () => {
      await entries(7, 400);
      await entries(3, 10);
      const before = await audit().list({ kinds: ['model'] });
      expect(await audit().verify()).toMatchObject({ ok: true, entries: 10 });

      const result = await audit().removeOlderThan(clock.now() - 365 * day, 3);
      expect(result).toEqual({ removed: 7, throughSeq: before[6]!.seq });
      const verified = await audit().verify();
      expect(verified).toEqual({
        ok: true,
        entries: 3,
        checkpoint: { seq: before[6]!.seq, time: clock.now() },
      });
      // The first kept entry chains from the checkpoint's hash.
      const checkpoint = await db().selectFrom('audit_checkpoint').selectAll().executeTakeFirstOrThrow();
      expect(checkpoint.hash).toBe(before[7]!.prevHash);

      // Appending goes on; a second pass finds nothing old.
      await entries(1, 0);
      expect(await audit().removeOlderThan(clock.now() - 365 * day)).toEqual({ removed: 0 });
      expect(await audit().verify()).toMatchObject({ ok: true, entries: 4 });

      // Removing the oldest kept entry by hand breaks the chain at it.
      await db().deleteFrom('audit_log').where('seq', '=', before[7]!.seq).execute();
      expect(await audit().verify()).toMatchObject({ ok: false, firstBadSeq: before[7]!.seq });

      // Moving the checkpoint over the gap without the key is caught too.
      await db()
        .updateTable('audit_checkpoint')
        .set({ seq: before[7]!.seq, hash: before[7]!.hash })
        .execute();
      expect(await audit().verify()).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/checkpoint's MAC does not match/),
      });
    });
  });

  describe('pipeline logs', () => {
    const db = () => platform.database.tables<PipelineTables>();
    const store = () => platform.artifactStore;

    async function run(id: string, endedDaysAgo: number | null, logPath: string | null, step = 'train') {
      const end = endedDaysAgo === null ? null : clock.now() - endedDaysAgo * day;
      await db()
        .insertInto('pipeline_runs')
        .values({
          id,
          pipeline: 'retrain',
          status: end === null ? 'RUNNING' : 'FINISHED',
          trigger: 'manual',
          params: '{}',
          tracking_run_id: null,
          error: null,
          owner_host: null,
          owner_pid: null,
          cancel_requested: 0,
          start_time: (end ?? clock.now()) - 60_000,
          end_time: end,
        } as PipelineTables['pipeline_runs'])
        .execute();
      await db()
        .insertInto('step_runs')
        .values({
          id: `${id}-${step}`,
          pipeline_run_id: id,
          pipeline: 'retrain',
          step,
          status: 'FINISHED',
          attempt: 1,
          cache_key: null,
          cache_hit: 0,
          outputs: '{}',
          error: null,
          log_path: logPath,
          tracking_run_id: null,
          start_time: null,
          end_time: null,
        } as PipelineTables['step_runs'])
        .execute();
    }

    const log = async (path: string) => {
      await store().put(path, Buffer.from(`log of ${path}\n`));
      return path;
    };
    const exists = async (path: string) => (await store().get(path)) !== undefined;
    const logPathOf = async (stepRun: string) =>
      (
        await db()
          .selectFrom('step_runs')
          .select('log_path')
          .where('id', '=', stepRun)
          .executeTakeFirstOrThrow()
      ).log_path;

    it("deletes the step logs of runs that ended before the limit, but not a log a newer run's cached step shows", async () => {
      const old = await log('runs/a/logs/attempt-1.log');
      const shared = await log('runs/b/logs/attempt-1.log');
      const fresh = await log('runs/c/logs/attempt-1.log');
      await run('old', 40, old);
      await run('computed', 45, shared);
      await run('cached', 2, shared); // a cache hit shows the log of the run that computed it
      await run('fresh', 1, fresh);
      await run('running', null, await log('runs/d/logs/attempt-1.log'));

      const retention = new PipelineLogRetention(db(), store(), clock, 30 * day, 1);
      expect(await retention.apply()).toEqual({ deleted: 1 });
      expect(await exists(old)).toBe(false);
      expect(await logPathOf('old-train')).toBeNull();
      expect(await exists(shared)).toBe(true);
      expect(await logPathOf('computed-train')).toBe(shared);
      expect(await exists(fresh)).toBe(true);

      // Once the cached run is old too, the shared log goes for both.
      clock.advance(29 * day);
      expect(await retention.apply()).toEqual({ deleted: 1 });
      expect(await exists(shared)).toBe(false);
      expect(await logPathOf('cached-train')).toBeNull();
      expect(await exists('runs/d/logs/attempt-1.log')).toBe(true);
    });
  });
});

describeEachDialect('retention as a background duty', (dialect) => {
  it('runs the configured tasks, records what it removed in the audit log, and a failing task does not stop the others', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 1));
    const platform = await openTestPlatform(dialect, clock, {
      predictionRetention: parseRetentionSpec('30d'),
      alertRetention: parseRetentionSpec('90d', 'alertRetention', false),
      auditRetention: 365 * day,
      pipelineLogRetention: 30 * day,
    });
    try {
      expect(retentionTasks(platform).map((t) => t.name)).toEqual([
        'prediction log',
        'alerts',
        'audit log',
        'pipeline logs',
      ]);
      // One task fails once (the store briefly away); the other removes 4 alerts, then nothing.
      let failures = 0;
      const failing: RetentionTask = {
        name: 'audit log',
        apply: async () => {
          if (failures++ === 0) throw new Error('store away');
          return { removed: 0 };
        },
      };
      let passes = 0;
      const removing: RetentionTask = {
        name: 'alerts',
        apply: async () => ({ removed: passes++ === 0 ? 4 : 0, details: [] }),
      };
      const duty = startRetention(
        [failing, removing],
        60_000,
        platform.background,
        platform.governance.audit,
      );
      await duty.tick();
      await duty.stop();
      // The failing task did not hold back the other; the turn was retried and then passed.
      expect([failures, passes]).toEqual([2, 2]);
      const recorded = await platform.governance.audit.list({ kinds: ['privacy'] });
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({
        action: 'privacy.retention',
        actor: 'system',
        objectKind: 'retention',
        objectId: 'alerts',
        after: { removed: 4, details: [] },
      });
      expect((await platform.background.errors.get()).values).toEqual([
        expect.objectContaining({ labels: { duty: 'retention' }, value: 1 }),
      ]);
    } finally {
      await platform.close();
    }
  });
});

describe('retention settings', () => {
  it('reads alert ages per model, and one age for the audit log and pipeline logs', () => {
    const config = loadConfig(
      { home: join('/', 'nowhere') },
      {
        MLOOP_ALERT_RETENTION: '90d,churn=30d',
        MLOOP_AUDIT_RETENTION: '365d',
        MLOOP_PIPELINE_LOG_RETENTION: '4w',
      },
    );
    expect(config.alertRetention).toEqual({
      global: { maxAgeMs: 90 * day },
      models: { churn: { maxAgeMs: 30 * day } },
    });
    expect(config.auditRetention).toBe(365 * day);
    expect(config.pipelineLogRetention).toBe(28 * day);
    expect(() => loadConfig({}, { MLOOP_ALERT_RETENTION: '10GB' })).toThrow(/"10GB" in "10GB" is not an age/);
    expect(() => loadConfig({}, { MLOOP_AUDIT_RETENTION: 'churn=30d' })).toThrow(/must be one age/);
    expect(loadConfig({}, {}).auditRetention).toBeUndefined();
  });
});

describe('mloop audit verify after retention', () => {
  it('reports the chain intact from the checkpoint where retention cut it', async () => {
    const home = tempDir('mloop-audit-retention-');
    const platform = await openPlatform(loadConfig({ home }, {}));
    const audit = platform.governance.audit;
    try {
      for (let i = 0; i < 4; i++)
        await audit.append({
          kind: 'model',
          actor: 'alice',
          action: 'model.register',
          outcome: 'ok',
          method: 'cli',
          path: '',
          status: 0,
        });
      // Every entry so far is older than a second from now: all four go, in two batches.
      expect(await audit.removeOlderThan(Date.now() + 1000, 2)).toEqual({ removed: 4, throughSeq: 4 });
      await audit.append({
        kind: 'model',
        actor: 'alice',
        action: 'model.register',
        outcome: 'ok',
        method: 'cli',
        path: '',
        status: 0,
      });
    } finally {
      await platform.close();
    }
    const intact = await runMloop(home, ['audit', 'verify']);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(
      /^audit log intact: 1 entries from entry 5 \(retention removed those before it on /,
    );
  });
});
