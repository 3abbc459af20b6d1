// What each applied entry publishes to this node's subscribers, in log order: the messages of its
// PUBLISH/SPUBLISH commands and, as notify-keyspace-events asks (a per-node setting, as in Redis),
// its keyspace notifications as notify.c sends them: `__keyspace@<db>__:<key>` → event, then
// `__keyevent@<db>__:<event>` → key. Messages and events go out in the order the entry's commands
// raised them. Entries replayed at start reach no one (no client is connected yet) and a restored
// snapshot publishes nothing, so no message is ever delivered twice to a live subscriber.

import type { KeyEvent, PublishedMessage } from '../kv/key-events.js';
import type { ChangeListeners } from './backend.js';
import type { ServerSettings } from './config.js';
import { classFlag, NOTIFY } from './pubsub-config.js';
import type { PubsubRegistry } from './pubsub-registry.js';

export function changeDelivery(registry: PubsubRegistry, settings: ServerSettings): ChangeListeners {
  /** The last entry whose events went out with its messages (its keyEvents call is then skipped). */
  let deliveredIndex = -1;
  const notify = (event: KeyEvent): void => notifyKeyspace(registry, settings.notifyKeyspaceEvents, event);
  return {
    published: (messages: readonly PublishedMessage[], events: readonly KeyEvent[], index: number) => {
      deliveredIndex = index;
      if (registry.empty) return;
      let next = 0;
      for (const message of messages) {
        for (; next < message.eventsBefore; next++) notify(events[next]!);
        registry.deliver(message.channel, message.message, message.shard);
      }
      for (; next < events.length; next++) notify(events[next]!);
    },
    keyEvents: (events: readonly KeyEvent[], index: number) => {
      if (index === deliveredIndex || registry.empty || settings.notifyKeyspaceEvents === 0) return;
      for (const event of events) notify(event);
    },
  };
}

/** notify.c's notifyKeyspaceEvent for one event, to this node's subscribers. */
function notifyKeyspace(registry: PubsubRegistry, flags: number, event: KeyEvent): void {
  if ((flags & classFlag(event.cls)) === 0) return;
  const key = Buffer.from(event.key, 'latin1');
  const name = Buffer.from(event.event, 'latin1');
  if (flags & NOTIFY.keyspace) registry.deliver(Buffer.concat([Buffer.from(`__keyspace@${event.db}__:`), key]), name, false);
  if (flags & NOTIFY.keyevent) registry.deliver(Buffer.from(`__keyevent@${event.db}__:${event.event}`, 'latin1'), key, false);
}
