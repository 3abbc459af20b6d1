// Which keys maxmemory's evictor deletes, by policy, across the databases in use, until their
// figures in the keyspace's size estimate (kv/dataset-bytes.ts) cover how far memory is over the
// limit, at most `keysMax` keys. The LRU policies take first keys the leader's access clock does not
// know (never used since it started tracking, hence idlest: LRU_SAMPLES random samples look for
// one), then the known keys from the one used longest ago — exactly least recently used among them;
// random picks sample one key; volatile-* pick only among keys with an expiry (sampled from the
// expiry heap); volatile-ttl takes the nearest expiries first. The choice reads the state and never
// changes it (the heap scan puts back what it takes): the deletions are proposed as entries, so
// every replica applies the leader's choice.

import { NO_EXPIRY, type Db } from '../kv/db.js';
import { earliestExpiring } from '../kv/expiry.js';
import { keyDatasetBytes } from '../kv/dataset-bytes.js';
import type { AccessClock } from './access-clock.js';
import type { MaxMemoryPolicy } from './config.js';

/** Keys sampled per LRU pick looking for one the access clock does not know. */
export const LRU_SAMPLES = 16;
/** Random draws per sample before walking from a random place (holes, stale heap entries, keys already chosen). */
const DRAWS_MAX = 8;

export interface Victim {
  readonly db: number;
  readonly key: string;
  /** Its figure in the size estimate: what deleting it frees. */
  readonly bytes: number;
}

export interface ChoiceInput {
  readonly dbs: readonly (readonly [number, Db])[];
  readonly policy: Exclude<MaxMemoryPolicy, 'noeviction'>;
  readonly overBytes: number;
  readonly keysMax: number;
  readonly access: AccessClock;
  /** Uniform in [0, 1): the leader's own choice, so any source will do. */
  readonly random: () => number;
}

export function chooseVictims(input: ChoiceInput): Victim[] {
  if (input.policy === 'volatile-ttl') return nearestExpiries(input);
  const volatile = input.policy === 'volatile-lru' || input.policy === 'volatile-random';
  const lru = input.policy === 'volatile-lru' || input.policy === 'allkeys-lru';
  const chosen = new Set<string>();
  const known = lru ? knownOldestFirst(input, volatile, chosen) : undefined;
  const victims: Victim[] = [];
  let freedBytes = 0;
  while (freedBytes < input.overBytes && victims.length < input.keysMax) {
    const victim = known === undefined
      ? sampleKey(input, volatile, chosen)
      : unknownKey(input, volatile, chosen) ?? next(known) ?? sampleKey(input, volatile, chosen);
    if (victim === undefined) break;
    chosen.add(tagOf(victim.db, victim.key));
    victims.push(victim);
    freedBytes += victim.bytes;
  }
  return victims;
}

/** Of LRU_SAMPLES sampled keys, the first the access clock does not know (idler than every known key). */
function unknownKey(input: ChoiceInput, volatile: boolean, chosen: ReadonlySet<string>): Victim | undefined {
  for (let i = 0; i < LRU_SAMPLES; i++) {
    const candidate = sampleKey(input, volatile, chosen);
    if (candidate === undefined) return undefined;
    if (input.access.stampOf(candidate.db, candidate.key) === 0) return candidate;
  }
  return undefined;
}

/** The keys the access clock knows, used longest ago first, that are present (volatile: with an expiry) and not chosen. */
function* knownOldestFirst(input: ChoiceInput, volatile: boolean, chosen: ReadonlySet<string>): Generator<Victim> {
  const dbs = new Map(input.dbs);
  for (const { db: index, key } of input.access.oldestFirst()) {
    const record = dbs.get(index)?.map.get(key);
    if (record === undefined) input.access.forget(index, key); // deleted since: no need to walk past it again
    if (record === undefined || (volatile && record.expireAtMs === NO_EXPIRY) || chosen.has(tagOf(index, key))) continue;
    yield { db: index, key, bytes: keyDatasetBytes(key, record) };
  }
}

function next<T>(items: Iterator<T>): T | undefined {
  const step = items.next();
  return step.done === true ? undefined : step.value;
}

/** One key at random (volatile: one with an expiry), not already chosen; undefined when none is left. */
function sampleKey(input: ChoiceInput, volatile: boolean, chosen: ReadonlySet<string>): Victim | undefined {
  const weightOf = (db: Db): number => (volatile ? db.expiringCount : db.map.size);
  const total = input.dbs.reduce((sum, [, db]) => sum + weightOf(db), 0);
  if (total === 0) return undefined;
  let target = Math.floor(input.random() * total);
  for (const [index, db] of input.dbs) {
    target -= weightOf(db);
    if (target >= 0) continue;
    const found = volatile ? sampleExpiring(db, index, input.random, chosen) : sampleAny(db, index, input.random, chosen);
    if (found !== undefined) return found;
  }
  // The drawn database had nothing left unchosen: try each in turn.
  for (const [index, db] of input.dbs) {
    if (weightOf(db) === 0) continue;
    const found = volatile ? sampleExpiring(db, index, input.random, chosen) : sampleAny(db, index, input.random, chosen);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A live key at a random slot of the key order (holes skipped). */
function sampleAny(db: Db, index: number, random: () => number, chosen: ReadonlySet<string>): Victim | undefined {
  const slots = db.order.slots;
  const at = (slot: number): Victim | undefined => {
    const key = db.order.keyAt(slot);
    const record = db.map.get(key);
    if (record === undefined || record.seq !== db.order.seqAt(slot) || chosen.has(tagOf(index, key))) return undefined;
    return { db: index, key, bytes: keyDatasetBytes(key, record) };
  };
  return drawThenWalk(slots, random, at);
}

/** A live key with an expiry at a random position of the expiry heap (stale entries skipped). */
function sampleExpiring(db: Db, index: number, random: () => number, chosen: ReadonlySet<string>): Victim | undefined {
  const at = (position: number): Victim | undefined => {
    const entry = db.expiry.entryAt(position);
    const record = db.map.get(entry.key);
    if (record === undefined || record.expireAtMs === NO_EXPIRY || record.expireAtMs !== entry.expireAtMs) return undefined;
    if (chosen.has(tagOf(index, entry.key))) return undefined;
    return { db: index, key: entry.key, bytes: keyDatasetBytes(entry.key, record) };
  };
  return drawThenWalk(db.expiry.size, random, at);
}

/** A few random positions, then one walk around from a random one (bounded by `count`). */
function drawThenWalk<T>(count: number, random: () => number, at: (position: number) => T | undefined): T | undefined {
  if (count === 0) return undefined;
  for (let i = 0; i < DRAWS_MAX; i++) {
    const found = at(Math.floor(random() * count));
    if (found !== undefined) return found;
  }
  const start = Math.floor(random() * count);
  for (let i = 0; i < count; i++) {
    const found = at((start + i) % count);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** volatile-ttl: the keys expiring soonest across the databases, until their bytes cover the excess. */
function nearestExpiries(input: ChoiceInput): Victim[] {
  const candidates: { db: number; key: string; expireAtMs: number }[] = [];
  for (const [index, db] of input.dbs) {
    for (const entry of earliestExpiring(db, input.keysMax)) candidates.push({ db: index, ...entry });
  }
  candidates.sort((a, b) => a.expireAtMs - b.expireAtMs);
  const victims: Victim[] = [];
  let freedBytes = 0;
  for (const candidate of candidates) {
    if (freedBytes >= input.overBytes || victims.length >= input.keysMax) break;
    const record = input.dbs.find(([index]) => index === candidate.db)?.[1].map.get(candidate.key);
    if (record === undefined) continue;
    const bytes = keyDatasetBytes(candidate.key, record);
    victims.push({ db: candidate.db, key: candidate.key, bytes });
    freedBytes += bytes;
  }
  return victims;
}

function tagOf(db: number, key: string): string {
  return `${db}:${key}`;
}
