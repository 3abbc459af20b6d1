// The change feed's vocabulary for the feed checker: an event as a watcher received it (id
// `<revision>-<i>`, op, key, value), ids parsed and ordered, and one event applied to a key→value
// state, so a watcher's events can rebuild the keyspace they describe. Pure.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';

/** One change as a watcher received it (a `__cairn:changes` entry or a CAIRN.WATCH push). */
export interface FeedEvent {
  /** `<revision>-<i>`: the entry's revision and the change's place within it. */
  readonly id: string;
  /** The keyspace event name: set, del, expired, incrby, flushdb, ... */
  readonly op: string;
  /** The key (latin1), '' for a whole-database change. */
  readonly key: string;
  /** The new string value, for changes that set one. */
  readonly value?: string | undefined;
  /** The database (absent means 0). */
  readonly db?: number | undefined;
}

export interface FeedId {
  readonly revision: number;
  readonly index: number;
}

const ID_PATTERN = /^(\d+)-(\d+)$/;

export function parseFeedId(id: string): FeedId {
  const match = ID_PATTERN.exec(id);
  const revision = Number(match?.[1]);
  const index = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(revision) || !Number.isSafeInteger(index)) {
    throw new CairnError('CAIRN_INVALID_ARGUMENT', `a change feed id is <revision>-<i>, got ${JSON.stringify(id)}`);
  }
  return { revision, index };
}

export function formatFeedId(id: FeedId): string {
  return `${id.revision}-${id.index}`;
}

/** Negative when a comes first, 0 when equal, positive when b comes first. */
export function compareFeedIds(a: FeedId, b: FeedId): number {
  return a.revision !== b.revision ? a.revision - b.revision : a.index - b.index;
}

/** A key→value state; keys of databases other than 0 carry `<db>\0` in front. */
export type FeedState = Map<string, string>;

export function stateKey(db: number | undefined, key: string): string {
  return db === undefined || db === 0 ? key : `${db}\u0000${key}`;
}

/** Events that remove their key. */
const REMOVING_OPS: ReadonlySet<string> = new Set(['del', 'expired', 'evicted', 'unlink']);

/**
 * Applies one event to `state`. An event with a value sets it; del/expired/evicted remove the key;
 * flushdb empties the database; an incrby without a value adds `incrementStep` (the feed carries
 * values only for string sets, and the torture workload increments by a fixed step). Returns why
 * an event could not be modelled (its key is then removed from the state, so the rebuilt state
 * differs wherever it mattered), or undefined.
 */
export function applyFeedEvent(state: FeedState, event: FeedEvent, incrementStep: number): string | undefined {
  assert(Number.isSafeInteger(incrementStep), 'the increment step is an integer');
  const key = stateKey(event.db, event.key);
  if (REMOVING_OPS.has(event.op)) {
    state.delete(key);
    return undefined;
  }
  if (event.op === 'flushdb') {
    flushDb(state, event.db ?? 0);
    return undefined;
  }
  if (event.value !== undefined) {
    state.set(key, event.value);
    return undefined;
  }
  if (event.op === 'incrby' || event.op === 'incr') {
    const now = Number(state.get(key) ?? '0');
    if (Number.isSafeInteger(now)) {
      state.set(key, String(now + incrementStep));
      return undefined;
    }
  }
  state.delete(key);
  return `${event.id} ${event.op} ${JSON.stringify(event.key)} carries no value the checker can model`;
}

function flushDb(state: FeedState, db: number): void {
  for (const key of [...state.keys()]) {
    const separator = key.indexOf('\u0000');
    const keyDb = separator < 0 ? 0 : Number(key.slice(0, separator));
    if (keyDb === db) state.delete(key);
  }
}

/** One line naming an event, for reports. */
export function describeFeedEvent(event: FeedEvent): string {
  const value = event.value === undefined ? '' : ` = ${JSON.stringify(event.value.length > 40 ? `${event.value.slice(0, 40)}…` : event.value)}`;
  return `${event.id} ${event.op} ${JSON.stringify(event.key)}${value}`;
}
