// Determinism across every type and database: the same random entries (test/support/type-workload.ts:
// strings, hashes, sets, lists and the names of the types still to land, in databases 0-3, with
// WATCHes, SPOP among them) give identical replies and byte-identical snapshots on two fresh states,
// and a state restored from a snapshot mid-way continues exactly like the original, SPOP included
// (it draws from the replicated version counter, which the snapshot carries).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { KV_COMMANDS } from '../../src/kv/commands.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import { ALL_KEYS, COMMANDS, Workload } from '../support/type-workload.js';
import { argv, plain, type Plain } from './helpers.js';

/** The workload's commands kv runs as reads (a node runs its clients' reads on its own state only). */
const READS: readonly string[] = COMMANDS.map(([name]) => name).filter((name) => KV_COMMANDS.get(name.toLowerCase())?.flags.includes('write') === false);
/** Every other name: what a read-only workload leaves out. */
const NOT_READS: ReadonlySet<string> = new Set(COMMANDS.map(([name]) => name).filter((name) => !READS.includes(name)));

/** Reads that draw from the state's own Prng, which a snapshot does not carry (it is local to a node). */
/**
 * Replies that describe one replica's in-memory form rather than the replicated state: OBJECT
 * ENCODING and MEMORY USAGE of a string follow how it was built (APPEND leaves 'raw'; a restored
 * one is 'embstr', as after a redis-server restart), and HSCAN's cursor numbers a lazily built
 * position index. Only the node a client asked answers it, so they may differ after a restore.
 */
const LOCAL_FORMS: ReadonlySet<string> = new Set(['OBJECT', 'MEMORY', 'HSCAN']);

const RANDOM_READS: ReadonlySet<string> = new Set(
  COMMANDS.map(([name]) => name).filter((name) => {
    const spec = KV_COMMANDS.get(name.toLowerCase());
    return spec !== undefined && spec.flags.includes('random') && !spec.flags.includes('write');
  }),
);

interface Generated {
  readonly entries: Uint8Array[];
  /** The command names of each entry, upper case, for the tallies. */
  readonly names: string[][];
}

/** Entries of 1-4 commands in databases 0-3 at non-decreasing times, some watching keys at versions read from `reference`. */
function randomEntries(seed: number, count: number, without: ReadonlySet<string>): Generated {
  const workload = new Workload(seed, without);
  const prng = new Prng(seed + 1000);
  const reference = new KvState();
  const generated: Generated = { entries: [], names: [] };
  let nowMs = 1_000_000;
  for (let i = 0; i < count; i++) {
    nowMs += prng.int(0, 40);
    const size = prng.int(1, 4);
    const commands = Array.from({ length: size }, () => (prng.chance(0.02) ? ['CAIRN.EXPIRED', prng.pick(ALL_KEYS)] : workload.next()));
    const dbs = commands.map(() => (prng.chance(0.6) ? 0 : prng.int(1, 3)));
    const watches = prng.chance(0.15) ? [watchOf(reference, prng, nowMs)] : [];
    const entry = encodeEntry({ nowMs, commands: commands.map((words) => argv(...words)), watches, dbs });
    applyEntry(reference, entry);
    generated.entries.push(entry);
    generated.names.push(commands.map((words) => words[0]!));
  }
  return generated;
}

function watchOf(reference: KvState, prng: Prng, nowMs: number): { key: Uint8Array; version: number; db: number } {
  const key = prng.pick(ALL_KEYS);
  const db = prng.int(0, 3);
  return { key: argv(key)[0]!, version: reference.keyVersion(key, nowMs, db) + (prng.chance(0.3) ? 1 : 0), db };
}

/** Adds, per command name, the replies that were neither errors nor empty (nil, empty array, 0). */
function tally(counts: Map<string, number>, names: readonly string[], replies: readonly Plain[]): void {
  replies.forEach((reply, i) => {
    const empty = reply === null || reply === 0 || (Array.isArray(reply) && reply.length === 0);
    const failed = reply !== null && typeof reply === 'object' && 'error' in reply;
    if (!empty && !failed) counts.set(names[i]!, (counts.get(names[i]!) ?? 0) + 1);
  });
}

/** Every command kv implements must have had an effect, or the test would check less than it claims. */
function assertAllReached(counts: ReadonlyMap<string, number>, without: ReadonlySet<string>): void {
  const missed = COMMANDS.map(([name]) => name).filter((name) => KV_COMMANDS.has(name.toLowerCase()) && !without.has(name) && !counts.has(name));
  assert.deepEqual(missed, [], 'commands that never had an effect');
}

test('entries of every type in several databases give identical replies and byte-identical snapshots on two states', () => {
  const reached = new Map<string, number>();
  for (const seed of [1, 2, 3]) {
    const { entries, names } = randomEntries(seed, 4000, new Set());
    const a = new KvState();
    const b = new KvState();
    for (const [i, entry] of entries.entries()) {
      const replies = applyEntry(a, entry).map(plain);
      assert.deepEqual(applyEntry(b, entry).map(plain), replies, `seed ${seed}, entry ${i}`);
      tally(reached, names[i]!, replies);
    }
    assert.deepEqual(Buffer.from(a.encodeSnapshot()), Buffer.from(b.encodeSnapshot()), `seed ${seed}`);
    assert.deepEqual(a.usedDatabases(), [0, 1, 2, 3], `seed ${seed}`);
  }
  assertAllReached(reached, new Set());
});

test('a state restored mid-way continues exactly like the original, SPOP included', () => {
  const reached = new Map<string, number>();
  for (const seed of [4, 5, 6]) {
    const { entries, names } = randomEntries(seed, 4000, new Set([...RANDOM_READS, ...LOCAL_FORMS]));
    const original = new KvState();
    entries.slice(0, 2000).forEach((entry) => applyEntry(original, entry));
    const restored = KvState.decodeSnapshot(original.encodeSnapshot());
    for (let i = 2000; i < entries.length; i++) {
      const replies = applyEntry(original, entries[i]!).map(plain);
      assert.deepEqual(applyEntry(restored, entries[i]!).map(plain), replies, `seed ${seed}, entry ${i}`);
      tally(reached, names[i]!, replies);
    }
    assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(original.encodeSnapshot()), `seed ${seed}`);
    for (const db of [0, 1, 2, 3]) {
      for (const key of ALL_KEYS) assert.equal(restored.keyVersion(key, 0, db), original.keyVersion(key, 0, db), `seed ${seed}, ${key} in db ${db}`);
    }
  }
  assertAllReached(reached, new Set([...RANDOM_READS, ...LOCAL_FORMS]));
  assert.ok((reached.get('SPOP') ?? 0) > 100, `SPOP popped ${reached.get('SPOP') ?? 0} times after restores`);
});

test('reads in any database, run on one state only, change nothing the entries or the snapshot show', () => {
  for (const seed of [7, 8]) {
    // Random reads in entries would answer differently: the local reads advance one state's Prng.
    const { entries } = randomEntries(seed, 3000, new Set([...RANDOM_READS, ...LOCAL_FORMS]));
    const reads = new Workload(seed + 50, NOT_READS);
    const prng = new Prng(seed + 60);
    const quiet = new KvState();
    const read = new KvState();
    let nowMs = 1_000_000;
    for (const [i, entry] of entries.entries()) {
      const replies = applyEntry(quiet, entry).map(plain);
      assert.deepEqual(applyEntry(read, entry).map(plain), replies, `seed ${seed}, entry ${i}`);
      nowMs += prng.int(0, 40);
      for (let n = prng.int(0, 3); n > 0; n--) read.execute(argv(...reads.next()), nowMs, prng.int(0, 15));
    }
    assert.deepEqual(Buffer.from(read.encodeSnapshot()), Buffer.from(quiet.encodeSnapshot()), `seed ${seed}`);
  }
});
