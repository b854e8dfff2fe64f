import { invalidParameter } from '../../core/errors.js';

/** The queue steps travel on, and the channel cancellations are announced on. */
export const stepQueueName = 'mloop-pipeline-steps';
export const cancelChannel = 'mloop-pipeline-cancel';

export interface RedisConnection {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db?: number;
  /** BullMQ workers block on Redis; ioredis must not give up on their commands. */
  maxRetriesPerRequest: null;
}

/** `redis://[user:password@]host[:port][/db]` → the options BullMQ passes to ioredis. */
export function redisConnection(url: string): RedisConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParameter('redis', `"${url}" is not a Redis URL; use redis://host:port`);
  }
  if (parsed.protocol !== 'redis:')
    throw invalidParameter('redis', `"${url}" is not a Redis URL; use redis://host:port`);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(db ? { db: Number(db) } : {}),
    maxRetriesPerRequest: null,
  };
}
