// SPOP and SRANDMEMBER (t_set.c spopWithCountCommand, srandmemberWithCountCommand): random members
// from ctx.prng. SPOP is a write, so dispatch seeds that Prng from the replicated version counter and
// every replica pops the same members. Redis's strategies are kept where they decide the resulting
// set's encoding (SPOP rebuilding the remainder) or a reply's order (a count covering the whole set).

import { errorReply, NULL, type Reply } from '../../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from '../args.js';
import { keyOf } from '../bytes.js';
import type { ExecContext } from '../command-types.js';
import { WRONGTYPE } from '../collection.js';
import { changedInPlace, collectionOf } from '../typed.js';
import { EMPTY_ARRAY, EMPTY_SET, memberReply, readSet, wholeSetReply, writeSet } from './access.js';
import { unionOfOne } from './algebra.js';
import { SetValue } from './set-value.js';

const ERR_NOT_POSITIVE = errorReply('ERR value is out of range, must be positive');
const LONG_MAX = 9223372036854775807n;
const ERR_COUNT_RANGE = errorReply(`ERR value is out of range, value must between -${LONG_MAX} and ${LONG_MAX}`);
/** Redis's SPOP_MOVE_STRATEGY_MUL: past this ratio SPOP rebuilds the remainder instead. */
const SPOP_MOVE_STRATEGY_MUL = 5;
/**
 * The most members one SRANDMEMBER with a negative count returns. Redis 7.0 has no bound and dies
 * building the reply of `SRANDMEMBER key -9223372036854775807`; Cairn refuses such counts instead.
 */
export const SRANDMEMBER_REPEATS_MAX = 1_000_000;
const ERR_REPEATS = errorReply(`ERR value is out of range, value must between -${SRANDMEMBER_REPEATS_MAX} and ${LONG_MAX}`);

export function spop(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length > 3) return ERR_SYNTAX;
  if (argv.length === 3) return spopCount(ctx, argv);
  const key = keyOf(argv[1] as Uint8Array);
  const record = writeSet(ctx, key);
  if (record === undefined) return NULL;
  if (record === null) return WRONGTYPE;
  const set = collectionOf<SetValue>(record);
  const member = set.random(ctx.prng);
  set.remove(member);
  changedInPlace(ctx.db, key, record, 's', 'spop');
  return memberReply(member);
}

function spopCount(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const parsed = parseInt64(argv[2] as Uint8Array);
  if (parsed === undefined || parsed < 0n) return ERR_NOT_POSITIVE;
  const key = keyOf(argv[1] as Uint8Array);
  const record = writeSet(ctx, key);
  if (record === undefined) return EMPTY_SET;
  if (record === null) return WRONGTYPE;
  if (parsed === 0n) return EMPTY_SET;
  const set = collectionOf<SetValue>(record);
  ctx.db.notify('s', 'spop', key);
  if (parsed >= BigInt(set.size)) {
    ctx.db.remove(key);
    ctx.db.notify('g', 'del', key);
    return wholeSetReply(unionOfOne(set));
  }
  const count = Number(parsed);
  const remaining = set.size - count;
  const items: Reply[] = [];
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) {
      const member = set.random(ctx.prng);
      set.remove(member);
      items.push(memberReply(member));
    }
  } else {
    // Move the few members that stay into a new set (its encoding chosen afresh), return the rest.
    let kept: SetValue | undefined;
    for (let i = 0; i < remaining; i++) {
      const member = set.random(ctx.prng);
      kept ??= SetValue.createFor(member);
      kept.add(member);
      set.remove(member);
    }
    set.forEach((member) => items.push(memberReply(member)));
    ctx.db.replaceCollection(record, kept as SetValue);
  }
  ctx.db.touch(record);
  return { type: 'set', items };
}

export function srandmember(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length > 3) return ERR_SYNTAX;
  if (argv.length === 3) return srandmemberCount(ctx, argv);
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === undefined) return NULL;
  if (set === null) return WRONGTYPE;
  return memberReply(set.random(ctx.prng));
}

function srandmemberCount(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const parsed = parseInt64(argv[2] as Uint8Array);
  if (parsed === undefined) return ERR_NOT_INTEGER;
  if (parsed < -LONG_MAX) return ERR_COUNT_RANGE;
  if (parsed < -BigInt(SRANDMEMBER_REPEATS_MAX)) return ERR_REPEATS;
  const set = readSet(ctx, keyOf(argv[1] as Uint8Array));
  if (set === undefined) return EMPTY_ARRAY;
  if (set === null) return WRONGTYPE;
  if (parsed === 0n) return EMPTY_ARRAY;
  const unique = parsed > 0n;
  const items: Reply[] = [];
  if (!unique || parsed === 1n) {
    const count = Number(unique ? parsed : -parsed);
    for (let i = 0; i < count; i++) items.push(memberReply(set.random(ctx.prng)));
    return { type: 'array', items };
  }
  if (parsed >= BigInt(set.size)) {
    set.forEach((member) => items.push(memberReply(member)));
    return { type: 'array', items };
  }
  for (const member of distinctRandom(set, Number(parsed), ctx)) items.push(memberReply(member));
  return { type: 'array', items };
}

/** `count` (< size) distinct members: drop random ones from a copy, or draw until enough, as Redis. */
function distinctRandom(set: SetValue, count: number, ctx: ExecContext): Iterable<string> {
  if (count * 3 > set.size) {
    const members = set.members();
    while (members.length > count) {
      const at = ctx.prng.int(0, members.length - 1);
      members[at] = members[members.length - 1] as string;
      members.pop();
    }
    return members;
  }
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(set.random(ctx.prng));
  return chosen;
}
