import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import {
  checkTopic,
  Listeners,
  type ChangeNotifications,
  type NotificationsLog,
} from './change-notifications.js';

const firstRetryMs = 250;
const maxRetryMs = 5_000;
/** The listening connection's application_name. */
export const listenerApplicationName = 'mloop-notifications';

/**
 * LISTEN/NOTIFY on the store's own PostgreSQL: every process on the database hears a publish
 * within a round trip, with no other service to run. Publishing goes through the store's pool;
 * listening holds one connection of its own, opened on the first subscription, reopened with
 * backoff whenever it drops (a restart, a failover), after which listeners are told to resync.
 */
export class PostgresNotifications implements ChangeNotifications {
  readonly transport = 'postgres' as const;
  private readonly listeners = new Listeners();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = firstRetryMs;
  private connectedOnce = false;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly db: Kysely<unknown>,
    private readonly log?: NotificationsLog,
  ) {}

  async publish(topic: string, message: string): Promise<void> {
    await sql`select pg_notify(${checkTopic(topic)}, ${message})`.execute(this.db);
  }

  subscribe(topic: string, listener: (message: string) => void): () => void {
    const { first, remove } = this.listeners.add(topic, listener);
    if (first && this.client) void this.listen(this.client, topic).catch(() => this.dropped(this.client));
    if (!this.client) this.connect();
    return remove;
  }

  onResync(listener: () => void): () => void {
    return this.listeners.addResync(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): void {
    if (this.connecting || this.closed) return;
    this.connecting = this.open().finally(() => {
      this.connecting = undefined;
    });
  }

  private async open(): Promise<void> {
    // keepAlive: a peer that vanished without closing (a cut network) is noticed, not waited on.
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      // Named, so an operator sees in pg_stat_activity what the idle connection is for.
      application_name: listenerApplicationName,
    });
    client.on('notification', (n) => this.listeners.deliver(n.channel, n.payload ?? ''));
    client.on('error', () => this.dropped(client));
    client.on('end', () => this.dropped(client));
    try {
      await client.connect();
      for (const topic of this.listeners.topics()) await this.listen(client, topic);
    } catch (error) {
      this.log?.warn({ err: error, retryInMs: this.retryMs }, 'cannot listen for store notifications');
      await client.end().catch(() => undefined);
      this.retryLater();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = firstRetryMs;
    if (this.connectedOnce) {
      this.log?.info({}, 'listening for store notifications again');
      this.listeners.resync();
    }
    this.connectedOnce = true;
  }

  private async listen(client: pg.Client, topic: string): Promise<void> {
    // A channel is an identifier; checkTopic allowed only [a-z0-9_].
    await client.query(`LISTEN "${checkTopic(topic)}"`);
  }

  /** The listening connection failed or ended: reconnect, unless it is an old one or we are closing. */
  private dropped(client: pg.Client | undefined): void {
    if (!client || this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log?.warn({}, 'lost the store notifications connection; reconnecting');
    this.retryLater(0);
  }

  private retryLater(delayMs = this.retryMs): void {
    if (this.closed || this.retryTimer) return;
    this.retryMs = Math.min(maxRetryMs, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delayMs);
    this.retryTimer.unref();
  }
}
