import { Redis } from 'ioredis';
import {
  checkTopic,
  Listeners,
  type ChangeNotifications,
  type NotificationsLog,
} from './change-notifications.js';

/** The connections' CLIENT SETNAME. */
export const redisConnectionName = 'mloop-notifications';

/**
 * Redis pub/sub, for processes that share a Redis but not a PostgreSQL (SQLite servers beside
 * workers). ioredis reconnects and subscribes again by itself; each time it is ready again,
 * listeners are told to resync. Publishing and subscribing need a connection each (a subscribed
 * Redis connection accepts nothing else); both open on first use.
 */
export class RedisNotifications implements ChangeNotifications {
  readonly transport = 'redis' as const;
  private readonly listeners = new Listeners();
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private lastError = 0;

  constructor(
    private readonly url: string,
    private readonly log?: NotificationsLog,
  ) {}

  async publish(topic: string, message: string): Promise<void> {
    this.publisher ??= this.open();
    await this.publisher.publish(checkTopic(topic), message);
  }

  subscribe(topic: string, listener: (message: string) => void): () => void {
    const { first, remove } = this.listeners.add(topic, listener);
    if (!this.subscriber) {
      const subscriber = (this.subscriber = this.open());
      subscriber.on('message', (channel: string, message: string) =>
        this.listeners.deliver(channel, message),
      );
      let readyOnce = false;
      subscriber.on('ready', () => {
        if (readyOnce) this.listeners.resync();
        readyOnce = true;
      });
    }
    if (first) void this.subscriber.subscribe(topic).catch(() => undefined);
    return remove;
  }

  onResync(listener: () => void): () => void {
    return this.listeners.addResync(listener);
  }

  async close(): Promise<void> {
    for (const connection of [this.publisher, this.subscriber]) connection?.disconnect();
    this.publisher = this.subscriber = undefined;
  }

  private open(): Redis {
    const connection = new Redis(this.url, {
      maxRetriesPerRequest: 1,
      // Named, so an operator sees in CLIENT LIST what the connection is for.
      connectionName: redisConnectionName,
    });
    connection.on('error', (error: unknown) => {
      // ioredis reports each failed reconnection; one line a minute is enough.
      if (Date.now() - this.lastError < 60_000) return;
      this.lastError = Date.now();
      this.log?.warn({ err: error }, 'store notifications: Redis unreachable; retrying');
    });
    return connection;
  }
}
