import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { entryHash, GENESIS_HASH } from '../../src/governance/audit-chain.js';
import type { GovernanceTables } from '../../src/governance/tables.js';
import { runMloop } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const event = (n: number) => ({
  kind: 'tracking' as const,
  actor: `user${n}`,
  action: 'runs.write',
  outcome: 'ok' as const,
  method: 'POST',
  path: `/api/v1/runs/${n}`,
  status: 200,
  objectKind: 'run',
  objectId: String(n),
  after: { id: String(n) },
});

describeEachDialect('audit log', (dialect) => {
  let platform: Platform | undefined;
  afterEach(async () => {
    await platform?.close();
    platform = undefined;
  });

  it('chains entries and finds them by actor, object and time', async () => {
    platform = await openTestPlatform(dialect);
    const { audit } = platform.governance;
    await Promise.all([1, 2, 3].map((n) => audit.append(event(n))));
    expect(await audit.verify()).toEqual({ ok: true, entries: 3 });
    const entries = await audit.list();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    expect((await audit.list({ actor: 'user2' })).map((e) => e.objectId)).toEqual(['2']);
    expect((await audit.list({ object: 'run/3' })).map((e) => e.actor)).toEqual(['user3']);
    expect(await audit.list({ since: Date.now() + 60_000 })).toEqual([]);
  });

  it('detects an altered entry and a deleted one, naming the first bad seq', async () => {
    platform = await openTestPlatform(dialect);
    const { audit } = platform.governance;
    for (const n of [1, 2, 3, 4]) await audit.append(event(n));
    const db = platform.database.tables<{ audit_log: { seq: number; actor: string } }>();
    await db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 2).execute();
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
    await db.updateTable('audit_log').set({ actor: 'user2' }).where('seq', '=', 2).execute();
    expect(await audit.verify()).toMatchObject({ ok: true });
    await db.deleteFrom('audit_log').where('seq', '=', 3).execute();
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('detects the newest entries cut off, and a head moved back without the key', async () => {
    platform = await openTestPlatform(dialect);
    const { audit } = platform.governance;
    for (const n of [1, 2, 3, 4, 5]) await audit.append(event(n));
    expect(await audit.verify()).toEqual({ ok: true, entries: 5 });
    const db = platform.database.tables<{
      audit_log: { seq: number; hash: string };
      audit_head: { id: number; seq: number; hash: string; mac: string | null };
    }>();
    await db.deleteFrom('audit_log').where('seq', '>', 3).execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      entries: 3,
      firstBadSeq: 4,
      reason: expect.stringContaining('entries 4-5 are missing'),
    });
    // Whoever cut the tail also points the head at the new last entry: without the key, the MAC fails.
    const third = await db
      .selectFrom('audit_log')
      .select('hash')
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    await db.updateTable('audit_head').set({ seq: 3, hash: third.hash }).where('id', '=', 1).execute();
    expect(await audit.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('MAC') });
    await db.updateTable('audit_head').set({ mac: null }).where('id', '=', 1).execute();
    expect(await audit.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('not sealed') });
    await db.deleteFrom('audit_head').execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      reason: expect.stringContaining('head record is missing'),
    });
  });

  it('reads a log written before kinds and the sealed head, and seals it on the next append', async () => {
    platform = await openTestPlatform(dialect);
    const { audit } = platform.governance;
    for (const n of [1, 2]) await audit.append(event(n));
    // As an older release left it (then migration 0016): no kind, hashed without one, head unsealed.
    const db = platform.database.tables<Pick<GovernanceTables, 'audit_log' | 'audit_head'>>();
    let prevHash = GENESIS_HASH;
    for (const row of await db.selectFrom('audit_log').selectAll().orderBy('seq').execute()) {
      const legacy = {
        ...row,
        seq: Number(row.seq),
        time: Number(row.time),
        kind: null,
        prev_hash: prevHash,
      };
      const { hash: _old, ...rest } = legacy;
      prevHash = entryHash(rest);
      await db
        .updateTable('audit_log')
        .set({ kind: null, prev_hash: legacy.prev_hash, hash: prevHash })
        .where('seq', '=', legacy.seq)
        .execute();
    }
    await db
      .updateTable('audit_head')
      .set({ seq: 2, hash: prevHash, mac: null })
      .where('id', '=', 1)
      .execute();
    expect(await audit.verify()).toEqual({ ok: true, entries: 2 });
    // Their kind is read from their permission: runs.write entries are tracking writes.
    expect(await audit.list({ kinds: ['tracking'] })).toHaveLength(2);
    expect(await audit.list({ kinds: ['model'] })).toHaveLength(0);
    await audit.append(event(3));
    expect(await audit.verify()).toEqual({ ok: true, entries: 3 });
    const head = await db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    expect(head.mac).toMatch(/^[0-9a-f]{64}$/);
  });

  // SQLite's writers are one process's connection, or CLI processes beside it: each append holds
  // the database's write lock from its first read (BEGIN IMMEDIATE), so none reads a stale head.
  it.runIf(dialect === 'sqlite')(
    'keeps every entry of CLI processes appending beside a server on one SQLite file',
    async () => {
      const home = tempDir('mloop-audit-cli-race-');
      platform = await openPlatform(
        loadConfig({ home, databaseUrl: `sqlite:${join(home, 'mloop.db')}` }, {}),
      );
      const { audit } = platform.governance;
      const clis = Array.from({ length: 3 }, (_, i) =>
        runMloop(home, ['tokens', 'create', `ci-${i}`, '--role', 'editor'], { home }),
      );
      const local = Array.from({ length: 30 }, (_, i) => audit.append(event(i)));
      for (const result of await Promise.all(clis)) expect(result.code, result.stderr).toBe(0);
      await Promise.all(local);
      const entries = await audit.list();
      // Each CLI records its token and its membership; the server its 30 entries.
      expect(entries).toHaveLength(30 + 3 * 2);
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
      expect(await audit.verify()).toEqual({ ok: true, entries: 36 });
    },
    60_000,
  );

  // Two servers share PostgreSQL; SQLite's writers are one process's connection (or a CLI beside it).
  it.runIf(dialect === 'postgres')(
    'keeps every entry of two servers appending at once to one database, in one chain',
    async () => {
      // Two platforms (two servers) on one database and one key, each appending concurrently.
      const home = tempDir('mloop-audit-race-');
      const databaseUrl =
        dialect === 'sqlite' ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
      const config = loadConfig({ home, databaseUrl }, {});
      platform = await openPlatform(config);
      const other = await openPlatform(config);
      try {
        const perWriter = 60;
        const writes = (p: Platform, writer: string) =>
          Array.from({ length: perWriter }, (_, i) =>
            p.governance.audit.append({ ...event(i), actor: writer }),
          );
        const appended = await Promise.all([...writes(platform, 'server-a'), ...writes(other, 'server-b')]);
        expect(new Set(appended.map((e) => e.seq)).size).toBe(2 * perWriter);
        const entries = await platform.governance.audit.list();
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 2 * perWriter }, (_, i) => i + 1));
        expect(entries.filter((e) => e.actor === 'server-a')).toHaveLength(perWriter);
        expect(entries.filter((e) => e.actor === 'server-b')).toHaveLength(perWriter);
        expect(await other.governance.audit.verify()).toEqual({ ok: true, entries: 2 * perWriter });
      } finally {
        await other.close();
      }
    },
    60_000,
  );
});

describe('audit trail of the HTTP API', () => {
  it('records each change with who, what and from where, and refused attempts as denied; a row edited in SQLite breaks verification', async () => {
    const home = tempDir('mloop-audit-');
    const path = join(home, 'mloop.db');
    const platform = await openPlatform(loadConfig({ home, databaseUrl: `sqlite:${path}` }, {}));
    const app = await buildServer(platform, { logger: false, auth: true });
    try {
      const { tokens, projects } = platform.governance;
      await projects.setMember('default', 'alice', 'editor');
      await projects.setMember('default', 'victor', 'viewer');
      const alice = (await tokens.create({ name: 'alice-laptop', user: 'alice' })).secret;
      const victor = (await tokens.create({ name: 'victor-ci', user: 'victor' })).secret;
      const created = await app.inject({
        method: 'POST',
        url: '/api/2.0/mlflow/experiments/create',
        headers: { authorization: `Bearer ${alice}` },
        payload: { name: 'churn' },
      });
      expect(created.statusCode).toBe(200);
      const experimentId = (created.json() as { experiment_id: string }).experiment_id;
      const refused = await app.inject({
        method: 'POST',
        url: '/api/2.0/mlflow/experiments/delete',
        headers: { authorization: `Bearer ${victor}` },
        payload: { experiment_id: experimentId },
      });
      expect(refused.statusCode).toBe(403);
      await app.inject({
        method: 'GET',
        url: '/api/v1/experiments',
        headers: { authorization: `Bearer ${alice}` },
      });

      const all = await platform.governance.audit.list();
      // The setup's own changes, made in this process outside any request, by the system.
      expect(all.slice(0, 4).map((e) => [e.actor, e.action])).toEqual([
        ['system', 'access.member-set'],
        ['system', 'access.member-set'],
        ['system', 'access.token-create'],
        ['system', 'access.token-create'],
      ]);
      const entries = all.slice(4);
      expect(entries).toHaveLength(2); // reads are not audited
      expect(entries[0]).toMatchObject({
        actor: 'alice',
        action: 'experiments.write',
        outcome: 'ok',
        method: 'POST',
        path: '/api/2.0/mlflow/experiments/create',
        after: { experiment_id: experimentId },
        ip: '127.0.0.1',
      });
      expect(entries[0]?.before).toMatchObject({ token: 'alice-laptop' });
      expect(entries[1]).toMatchObject({
        actor: 'victor',
        outcome: 'denied',
        status: 403,
        objectKind: 'experiment',
        objectId: experimentId,
      });
      expect(JSON.stringify(entries)).not.toContain(alice);

      const sqlite = new Database(path);
      sqlite.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1").run();
      sqlite.close();
      expect(await platform.governance.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 1 });
    } finally {
      await app.close();
      await platform.close();
    }
  });
});
