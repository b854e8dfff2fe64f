/**
 * Short messages between the processes sharing one store (servers, workers, the CLI), such as
 * "alias champion of churn moved". Delivery is best effort: a process that was disconnected may
 * miss some, so listeners are told to resync after each reconnect, and whatever a message
 * triggers must also happen, later, without it (serving still polls the registry).
 */
export interface ChangeNotifications {
  /** What carries them: PostgreSQL LISTEN/NOTIFY, Redis pub/sub, or nothing (one process). */
  readonly transport: 'postgres' | 'redis' | 'none';
  /** Sends `message` to every process subscribed to `topic`, this one included. */
  publish(topic: string, message: string): Promise<void>;
  /** Calls `listener` with each message on `topic` from now on; returns the unsubscribe. */
  subscribe(topic: string, listener: (message: string) => void): () => void;
  /** Calls `listener` after a reconnection, when messages sent meanwhile may have been missed. */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface NotificationsLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** A topic is a plain lower-case name, so it is a valid PostgreSQL channel and Redis channel alike. */
export function checkTopic(topic: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(topic)) throw new Error(`invalid notification topic "${topic}"`);
  return topic;
}

/** Subscribers by topic, and resync listeners: the part every transport shares. */
export class Listeners {
  private readonly byTopic = new Map<string, Set<(message: string) => void>>();
  private readonly resyncs = new Set<() => void>();

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** Adds a listener; `first` is true when it is the topic's first (the transport must listen). */
  add(topic: string, listener: (message: string) => void): { first: boolean; remove: () => void } {
    let set = this.byTopic.get(checkTopic(topic));
    const first = !set;
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(listener);
    return { first, remove: () => set.delete(listener) };
  }

  addResync(listener: () => void): () => void {
    this.resyncs.add(listener);
    return () => this.resyncs.delete(listener);
  }

  deliver(topic: string, message: string): void {
    for (const listener of this.byTopic.get(topic) ?? []) listener(message);
  }

  resync(): void {
    for (const listener of this.resyncs) listener();
  }
}

/** One process and no shared bus: messages reach this process only. */
export function localNotifications(): ChangeNotifications {
  const listeners = new Listeners();
  return {
    transport: 'none',
    publish: async (topic, message) => listeners.deliver(checkTopic(topic), message),
    subscribe: (topic, listener) => listeners.add(topic, listener).remove,
    onResync: (listener) => listeners.addResync(listener),
    close: async () => undefined,
  };
}
