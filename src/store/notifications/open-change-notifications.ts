import type { Database } from '../database.js';
import {
  localNotifications,
  type ChangeNotifications,
  type NotificationsLog,
} from './change-notifications.js';

/**
 * The one way to open notifications between the processes on a store: PostgreSQL's own
 * LISTEN/NOTIFY when the store is PostgreSQL, else Redis pub/sub when Redis is configured, else
 * this process only (SQLite, one server). Nothing connects until the first publish or subscribe.
 */
export async function openChangeNotifications(
  database: Database,
  redisUrl: string | undefined,
  log?: NotificationsLog,
): Promise<ChangeNotifications> {
  if (database.dialect === 'postgres') {
    const { PostgresNotifications } = await import('./postgres-notifications.js');
    return new PostgresNotifications(database.url, database.tables<unknown>(), log);
  }
  if (redisUrl) {
    const { RedisNotifications } = await import('./redis-notifications.js');
    return new RedisNotifications(redisUrl, log);
  }
  return localNotifications();
}
