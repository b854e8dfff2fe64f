import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';
import type { ChangeNotifications } from '../../src/store/notifications/change-notifications.js';
import { openChangeNotifications } from '../../src/store/notifications/open-change-notifications.js';
import { listenerApplicationName } from '../../src/store/notifications/postgres-notifications.js';
import { redisConnectionName } from '../../src/store/notifications/redis-notifications.js';
import { until } from '../helpers/poll.js';
import { freshPostgresUrl, postgresAvailable } from '../helpers/postgres.js';
import { testRedisUrl } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';

const redisUrl = testRedisUrl();

interface Transport {
  name: string;
  open(): Promise<{ database: Database; redis?: string }>;
  /** Cuts the listening connection from the server's side, as a restart or failover would. */
  cut(database: Database): Promise<void>;
}

const transports: Transport[] = [
  ...(postgresAvailable()
    ? [
        {
          name: 'postgres',
          open: async () => ({ database: await openDatabase(await freshPostgresUrl()) }),
          cut: async (database: Database) => {
            await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where application_name = ${listenerApplicationName} and datname = current_database()`.execute(
              database.tables<unknown>(),
            );
          },
        },
      ]
    : []),
  ...(redisUrl
    ? [
        {
          name: 'redis',
          open: async () => ({
            database: await openDatabase(`sqlite:${tempDir('mloop-notify-')}/mloop.db`),
            redis: redisUrl,
          }),
          cut: async () => {
            const admin = new Redis(redisUrl);
            try {
              // Only this code's subscribed connections: the Redis is shared with other tests.
              const clients = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n');
              for (const line of clients) {
                const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
                if (id && line.includes(` name=${redisConnectionName} `))
                  await admin.client('KILL', 'ID', id);
              }
            } finally {
              admin.disconnect();
            }
          },
        },
      ]
    : []),
];

for (const transport of transports) {
  describe(`change notifications over ${transport.name}`, () => {
    const opened: Array<ChangeNotifications | Database> = [];
    afterEach(async () => {
      for (const o of opened.splice(0).reverse()) await o.close();
    });

    it('delivers a message published by one process to another, and again after the connection is cut', async () => {
      const { database, redis } = await transport.open();
      const listener = await openChangeNotifications(database, redis);
      const sender = await openChangeNotifications(database, redis);
      opened.push(database, listener, sender);
      expect(listener.transport).toBe(transport.name);

      const received: string[] = [];
      let resyncs = 0;
      listener.subscribe('mloop_test_topic', (message) => received.push(message));
      listener.onResync(() => (resyncs += 1));
      // Subscribing connects in the background: publish until the listener hears one.
      await until(async () => {
        await sender.publish('mloop_test_topic', 'first');
        return received.includes('first');
      });

      await transport.cut(database);
      // The listener reconnects by itself and says messages may have been missed meanwhile.
      await until(() => resyncs === 1, { what: 'a resync after the cut' });
      await until(async () => {
        await sender.publish('mloop_test_topic', 'second');
        return received.includes('second');
      });
    }, 30_000);
  });
}

describe('change notifications without PostgreSQL or Redis', () => {
  it('reach this process only', async () => {
    const database = await openDatabase(`sqlite:${tempDir('mloop-notify-')}/mloop.db`);
    const notifications = await openChangeNotifications(database, undefined);
    const received: string[] = [];
    notifications.subscribe('mloop_test_topic', (message) => received.push(message));
    await notifications.publish('mloop_test_topic', 'hello');
    expect(notifications.transport).toBe('none');
    expect(received).toEqual(['hello']);
    await notifications.close();
    await database.close();
  });
});
