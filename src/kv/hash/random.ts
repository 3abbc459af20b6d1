// HRANDFIELD with Redis 7.0's argument checks and cases: no count (one field or null), a negative
// count (that many picks, repeats allowed), a count of at least the size (the whole hash in its
// order), a smaller count (distinct fields: drop random ones from a copy when most are wanted,
// else pick until enough distinct). Randomness is the context's Prng only.

import type { Prng } from '../../lib/prng.js';
import { NULL, errorReply, type Reply } from '../../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, INT64_MIN, parseInt64 } from '../args.js';
import { isOption } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { readHash } from './access.js';
import type { HashValue } from './hash-value.js';
import { EMPTY_ARRAY, bulkOf } from './reads.js';

const LONG_MAX = 9223372036854775807n;
const ERR_COUNT_RANGE = errorReply('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
const ERR_WITHVALUES_RANGE = errorReply('ERR value is out of range');
/**
 * Cairn's bound on a negative count's picks: Redis would try to build the reply whatever its size
 * (and run out of memory); a replica must not. Larger counts get Redis's out-of-range error.
 */
export const REPEATED_PICKS_MAX = 1 << 20;

/** A function that draws one field uniformly at random (the hash is not empty). */
function pickerOf(hash: HashValue): (prng: Prng) => string {
  if (hash.isListpack) {
    const fields = Array.from(hash.fieldNames());
    return (prng) => fields[prng.int(0, fields.length - 1)] as string;
  }
  const index = hash.positions();
  return (prng) => {
    // Stale entries are at most about two thirds of the index (it is rebuilt beyond that).
    for (;;) {
      const field = index.at(prng.int(0, index.length - 1));
      if (hash.has(field)) return field;
    }
  };
}

function reply(hash: HashValue, fields: readonly string[], withValues: boolean): Reply {
  if (!withValues) return { type: 'array', items: fields.map(bulkOf) };
  return { type: 'pairs', entries: fields.map((field) => [bulkOf(field), bulkOf(hash.get(field) as string)] as const) };
}

/** `count` distinct fields, 0 < count < size. */
function distinctFields(hash: HashValue, count: number, prng: Prng): string[] {
  if (count * 3 > hash.size) {
    // Most of the hash is wanted: drop size - count random fields from a copy, keeping its order.
    const all = Array.from(hash.fieldNames());
    const order = Array.from(all.keys());
    const dropped = new Uint8Array(all.length);
    for (let i = 0; i < all.length - count; i++) {
      const j = prng.int(i, order.length - 1);
      const chosen = order[j] as number;
      order[j] = order[i] as number;
      dropped[chosen] = 1;
    }
    return all.filter((_, i) => dropped[i] === 0);
  }
  const pick = pickerOf(hash);
  const picked = new Set<string>();
  while (picked.size < count) picked.add(pick(prng));
  return Array.from(picked);
}

function withCount(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const count = parseInt64(argv[2] as Uint8Array);
  if (count === undefined) return ERR_NOT_INTEGER;
  if (count === INT64_MIN) return ERR_COUNT_RANGE;
  if (argv.length > 4 || (argv.length === 4 && !isOption(argv[3] as Uint8Array, 'withvalues'))) return ERR_SYNTAX;
  const withValues = argv.length === 4;
  if (withValues && (count < -(LONG_MAX / 2n) || count > LONG_MAX / 2n)) return ERR_WITHVALUES_RANGE;
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  if (hash === undefined || count === 0n) return EMPTY_ARRAY;
  if (count < 0n || count === 1n) {
    const picks = count < 0n ? -count : 1n;
    if (picks > BigInt(REPEATED_PICKS_MAX)) return ERR_WITHVALUES_RANGE;
    const pick = pickerOf(hash);
    return reply(hash, Array.from({ length: Number(picks) }, () => pick(ctx.prng)), withValues);
  }
  if (count >= BigInt(hash.size)) return reply(hash, Array.from(hash.fieldNames()), withValues);
  return reply(hash, distinctFields(hash, Number(count), ctx.prng), withValues);
}

export function hrandfield(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length >= 3) return withCount(ctx, argv);
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  if (hash === undefined) return NULL;
  return bulkOf(pickerOf(hash)(ctx.prng));
}
