// PREVVALUE for one watch: the value each key's previous change left, taken from the change
// history itself (never from the keyspace), so every node answers the same for the same change.
// It remembers, per key the watch matches, the last change it saw (its ID and the value it carried);
// a key whose last change has been trimmed from the history is forgotten, which bounds the map by
// what the history retains. Limit: a key whose previous change is no longer retained gets no
// `prev` even if it held a value (docs/WATCH.md).

import { compareIds, type StreamId } from '../kv/stream/id.js';

interface LastChange {
  readonly id: StreamId;
  readonly value: string | undefined;
}

/** Keys remembered before the map is swept of keys whose last change was trimmed. */
const SWEEP_FLOOR = 4096;

export class PrevValues {
  private readonly last = new Map<string, LastChange>();
  private sweepAt = SWEEP_FLOOR;

  /** The value the key's previous retained change left, or undefined; then remembers this change. */
  take(id: StreamId, pairs: readonly string[]): string | undefined {
    const name = nameOf(pairs);
    if (pairs[3] === '') {
      // A whole database flushed or swapped: none of its keys' values is known any more.
      const db = name.slice(0, name.indexOf('\0') + 1);
      for (const known of this.last.keys()) if (known.startsWith(db)) this.last.delete(known);
      return undefined;
    }
    const previous = this.last.get(name)?.value;
    this.last.set(name, { id, value: valueOf(pairs) });
    return previous;
  }

  /** Forgets keys whose last change is at or before `lastTrimmed`, once the map has grown. */
  sweep(lastTrimmed: StreamId): void {
    if (this.last.size < this.sweepAt) return;
    for (const [name, change] of this.last) if (compareIds(change.id, lastTrimmed) <= 0) this.last.delete(name);
    this.sweepAt = Math.max(SWEEP_FLOOR, this.last.size * 2);
  }
}

/** The key of a change with its database: `db` is absent for database 0. */
function nameOf(pairs: readonly string[]): string {
  let db = '0';
  for (let i = 4; i < pairs.length; i += 2) if (pairs[i] === 'db') db = pairs[i + 1] as string;
  return `${db}\0${pairs[3] as string}`;
}

function valueOf(pairs: readonly string[]): string | undefined {
  for (let i = 4; i < pairs.length; i += 2) if (pairs[i] === 'value') return pairs[i + 1];
  return undefined;
}
