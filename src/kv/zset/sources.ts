// The inputs of ZUNION / ZINTER / ZDIFF (and their STORE forms, ZINTERCARD): each key is a sorted
// set, or a plain set whose members all score 1, as in Redis's zsetopsrc; an absent key is empty.

import { assert } from '../../lib/assert.js';
import type { Collection } from '../collection.js';
import type { ZSet } from './zset.js';

/** What a SET value must offer to be read as a ZUNION/ZINTER/ZDIFF input. */
export interface SetMembers {
  readonly size: number;
  has(member: string): boolean;
  members(): Iterable<string>;
}

export interface Source {
  readonly size: number;
  weight: number;
  /** The score of a member, or undefined. */
  find(member: string): number | undefined;
  /** Calls fn for every member with its score. */
  each(fn: (member: string, score: number) => void): void;
}

export const EMPTY_SOURCE: Source = Object.freeze({
  size: 0, weight: 1, find: () => undefined, each: () => undefined,
});

export function zsetSource(z: ZSet): Source {
  return {
    size: z.size,
    weight: 1,
    find: (member) => z.score(member),
    each: (fn) => z.each(0, z.size - 1, false, fn),
  };
}

function isSetMembers(value: unknown): value is SetMembers {
  const candidate = value as Partial<SetMembers>;
  return typeof candidate.has === 'function' && typeof candidate.members === 'function';
}

/** A SET value as an input; undefined if the set type does not offer SetMembers (not wired yet). */
export function setSource(collection: Collection): Source | undefined {
  assert(collection.type === 'set', 'setSource of a set');
  if (!isSetMembers(collection)) return undefined;
  const set = collection;
  return {
    size: set.size,
    weight: 1,
    find: (member) => (set.has(member) ? 1 : undefined),
    each: (fn) => {
      for (const member of set.members()) fn(member, 1);
    },
  };
}
