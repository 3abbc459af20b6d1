// One ReplicaObserver made of several: each hook is passed to every observer that has it, in order.

import type { ReplicaObserver } from '../replica/ports.js';

export function fanOut(...observers: readonly ReplicaObserver[]): ReplicaObserver {
  return {
    loaded: (id, state) => observers.forEach((o) => o.loaded?.(id, state)),
    persisted: (id, ready) => observers.forEach((o) => o.persisted?.(id, ready)),
    applied: (id, entry, replies) => observers.forEach((o) => o.applied?.(id, entry, replies)),
    restored: (id, snapshot) => observers.forEach((o) => o.restored?.(id, snapshot)),
    compacted: (id, snapshot) => observers.forEach((o) => o.compacted?.(id, snapshot)),
    softState: (id, softState, term) => observers.forEach((o) => o.softState?.(id, softState, term)),
  };
}
