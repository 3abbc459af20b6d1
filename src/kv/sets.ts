// The set commands (Redis 7.0 t_set.c): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SMOVE here;
// SPOP and SRANDMEMBER in set/random.ts, SINTER/SUNION/SDIFF (and STORE, SINTERCARD) in
// set/algebra.ts, SSCAN in set/scan.ts. The value itself is set/set-value.ts.

import { integerReply, type Reply } from '../lib/reply.js';
import { keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY } from './db.js';
import { WRONGTYPE } from './collection.js';
import { changedInPlace, collectionOf } from './typed.js';
import { EMPTY_SET, readSet, wholeSetReply, writeSet } from './set/access.js';
import { sdiff, sdiffstore, sinter, sintercard, sinterstore, sunion, sunionstore } from './set/algebra.js';
import { spop, srandmember } from './set/random.js';
import { sscan } from './set/scan.js';
import { SetValue } from './set/set-value.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);

function sadd(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = writeSet(ctx, key);
  if (record === null) return WRONGTYPE;
  const set = record === undefined ? SetValue.createFor(keyOf(argv[2] as Uint8Array)) : collectionOf<SetValue>(record);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(keyOf(argv[i] as Uint8Array))) added++;
  if (record === undefined) ctx.db.setCollection(key, set, NO_EXPIRY);
  else if (added > 0) ctx.db.touch(record);
  if (added > 0) ctx.db.notify('s', 'sadd', key);
  return integerReply(added);
}

function srem(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = writeSet(ctx, key);
  if (record === undefined) return ZERO;
  if (record === null) return WRONGTYPE;
  const set = collectionOf<SetValue>(record);
  let removed = 0;
  for (let i = 2; i < argv.length && set.size > 0; i++) if (set.remove(keyOf(argv[i] as Uint8Array))) removed++;
  if (removed > 0) changedInPlace(ctx.db, key, record, 's', 'srem');
  return integerReply(removed);
}

function smembers(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === null) return WRONGTYPE;
  return set === undefined ? EMPTY_SET : wholeSetReply(set);
}

function sismember(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === null) return WRONGTYPE;
  return set !== undefined && set.has(keyOf(argv[2] as Uint8Array)) ? ONE : ZERO;
}

function smismember(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === null) return WRONGTYPE;
  const items: Reply[] = [];
  for (let i = 2; i < argv.length; i++) items.push(set !== undefined && set.has(keyOf(argv[i] as Uint8Array)) ? ONE : ZERO);
  return { type: 'array', items };
}

function scard(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === null) return WRONGTYPE;
  return integerReply(set === undefined ? 0 : set.size);
}

function smove(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const sourceKey = keyOf(argv[1] as Uint8Array);
  const destinationKey = keyOf(argv[2] as Uint8Array);
  const member = keyOf(argv[3] as Uint8Array);
  const source = writeSet(ctx, sourceKey);
  const destination = writeSet(ctx, destinationKey);
  if (source === undefined) return ZERO;
  if (source === null || destination === null) return WRONGTYPE;
  const sourceSet = collectionOf<SetValue>(source);
  if (sourceKey === destinationKey) return sourceSet.has(member) ? ONE : ZERO;
  if (!sourceSet.remove(member)) return ZERO;
  changedInPlace(ctx.db, sourceKey, source, 's', 'srem');
  if (destination === undefined) {
    const created = SetValue.createFor(member);
    created.add(member);
    ctx.db.setCollection(destinationKey, created, NO_EXPIRY);
  } else if (collectionOf<SetValue>(destination).add(member)) {
    ctx.db.touch(destination);
  } else {
    return ONE;
  }
  ctx.db.notify('s', 'sadd', destinationKey);
  return ONE;
}

const O_N_ALL = 'O(N) where N is the total number of elements in all given sets.';
const O_NM = 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.';

export const SET_COMMANDS: readonly CommandSpec[] = [
  { name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Add one or more members to a set', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', handler: sadd },
  { name: 'srem', arity: -3, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Remove one or more members from a set', complexity: 'O(N) where N is the number of members to be removed.', handler: srem },
  { name: 'smembers', arity: 2, flags: ['readonly'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Get all the members in a set', complexity: 'O(N) where N is the set cardinality.', handler: smembers },
  { name: 'sismember', arity: 3, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Determine if a given value is a member of a set', complexity: 'O(1)', handler: sismember },
  { name: 'smismember', arity: -3, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '6.2.0',
    summary: 'Returns the membership associated with the given elements for a set', complexity: 'O(N) where N is the number of elements being checked for membership', handler: smismember },
  { name: 'scard', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Get the number of members in a set', complexity: 'O(1)', handler: scard },
  { name: 'spop', arity: -2, flags: ['write', 'fast', 'random'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Remove and return one or multiple random members from a set', complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', handler: spop },
  { name: 'srandmember', arity: -2, flags: ['readonly', 'random'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Get one or multiple random members from a set', complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', handler: srandmember },
  { name: 'smove', arity: 4, flags: ['write', 'fast'], firstKey: 1, lastKey: 2, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Move a member from one set to another', complexity: 'O(1)', handler: smove },
  { name: 'sinter', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Intersect multiple sets', complexity: O_NM, handler: sinter },
  // Keys follow numkeys (movable): COMMAND INFO reports no fixed key range, as Redis does.
  { name: 'sintercard', arity: -3, flags: ['readonly'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'set', since: '7.0.0',
    summary: 'Intersect multiple sets and return the cardinality of the result', complexity: O_NM, handler: sintercard },
  { name: 'sunion', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Add multiple sets', complexity: O_N_ALL, handler: sunion },
  { name: 'sdiff', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Subtract multiple sets', complexity: O_N_ALL, handler: sdiff },
  { name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Intersect multiple sets and store the resulting set in a key', complexity: O_NM, handler: sinterstore },
  { name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Add multiple sets and store the resulting set in a key', complexity: O_N_ALL, handler: sunionstore },
  { name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'set', since: '1.0.0',
    summary: 'Subtract multiple sets and store the resulting set in a key', complexity: O_N_ALL, handler: sdiffstore },
  { name: 'sscan', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'set', since: '2.8.0',
    summary: 'Incrementally iterate Set elements', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', handler: sscan },
];
