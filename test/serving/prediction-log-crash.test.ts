import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { storeDialects } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { modelWithVersions } from '../registry/model-factories.js';
import { loggedIds } from './logged-predictions.js';

for (const dialect of storeDialects()) {
  describe(`prediction log under a crash [${dialect}]`, () => {
    const servers: ServerProcess[] = [];
    afterAll(async () => {
      for (const s of servers) await s.stop().catch(() => undefined);
    });

    // The README's bound: an id is answered only once its prediction is journaled, so a kill -9
    // loses no answered prediction (the bound is 0 ms of acknowledged traffic for a process crash).
    it('keeps every prediction it answered when the server is killed with SIGKILL under load', async () => {
      const home = tempDir('mloop-predict-crash-');
      const databaseUrl =
        dialect === 'sqlite' ? `sqlite:${join(home, 'mloop.db')}` : await freshPostgresUrl();
      const platform = await openPlatform(loadConfig({ home, databaseUrl }, {}, home));
      let model: string;
      try {
        model = await modelWithVersions(platform, 1);
      } finally {
        await platform.close();
      }
      const env = { MLOOP_DATABASE_URL: databaseUrl };
      const first = await startServer({ home, env });
      servers.push(first);

      const acknowledged: string[] = [];
      let stop = false;
      const clients = Array.from({ length: 8 }, async () => {
        while (!stop) {
          try {
            const response = await fetch(`${first.url}/api/v1/serving/${model}/predict?version=1`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                records: [
                  { a: 1, b: 2 },
                  { a: 3, b: 0.5 },
                ],
              }),
            });
            if (response.status !== 200) continue;
            const body = (await response.json()) as { predictions: Array<{ id: string }> };
            acknowledged.push(...body.predictions.map((p) => p.id));
          } catch {
            return; // the connection died with the server: that request was never answered
          }
        }
      });
      const deadline = Date.now() + 30_000;
      while (acknowledged.length < 1000 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Killed while the clients are still sending: some answered predictions are not in the
      // database yet, only in the journal.
      await first.kill9();
      stop = true;
      await Promise.all(clients);
      expect(acknowledged.length).toBeGreaterThanOrEqual(1000);

      const second = await startServer({ home, env });
      servers.push(second);
      const logged = await loggedIds(second.url, model);
      const lost = acknowledged.filter((id) => !logged.has(id));
      expect(lost).toEqual([]);
      await second.stop();
    }, 120_000);
  });
}
