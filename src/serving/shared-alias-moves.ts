import type { EventBus } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { ChangeNotifications } from '../store/notifications/change-notifications.js';
import type { ServedModels } from './served-models.js';

/** The notification topic of alias moves and removals. */
export const aliasMovesTopic = 'mloop_alias_moves';

interface AliasMoveMessage {
  name: string;
  alias: string;
  /** The process that moved it, which followed the move already by its own event. */
  origin: string;
}

/**
 * Tells every process on the store of the alias moves made in this one, and makes this one's
 * served models follow the moves made elsewhere within a notification's delay, where polling
 * alone took up to its interval. After a reconnection (messages possibly missed) every served
 * reference is resolved again. `publish` is how a message is sent (the platform retries it).
 */
export function shareAliasMoves(
  events: EventBus,
  notifications: ChangeNotifications,
  models: ServedModels,
  publish: (send: () => Promise<void>) => void,
): () => void {
  const origin = newId('proc');
  const announce = (name: string, alias: string) => {
    const message: AliasMoveMessage = { name, alias, origin };
    publish(() => notifications.publish(aliasMovesTopic, JSON.stringify(message)));
  };
  const offs = [
    events.on('registry.alias-moved', (e) => announce(e.name, e.alias)),
    events.on('registry.alias-removed', (e) => announce(e.name, e.alias)),
    notifications.subscribe(aliasMovesTopic, (raw) => {
      let message: AliasMoveMessage;
      try {
        message = JSON.parse(raw) as AliasMoveMessage;
      } catch {
        return;
      }
      if (message.origin === origin || typeof message.name !== 'string' || typeof message.alias !== 'string')
        return;
      void models.followAlias(message.name, message.alias);
    }),
    notifications.onResync(() => void models.refreshAll()),
  ];
  return () => {
    for (const off of offs) off();
  };
}
