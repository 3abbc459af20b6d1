// BITOP AND | OR | XOR | NOT: combines string values byte by byte (shorter ones count as padded
// with zeros) into a destination key, which loses its expiry; an all-empty result deletes it.

import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_SYNTAX } from './args.js';
import { isOption, keyOf } from './bytes.js';
import { WRONGTYPE } from './collection.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { NO_EXPIRY } from './db.js';
import { lookupStringForWrite } from './typed.js';

type BitOp = 'and' | 'or' | 'xor' | 'not';
const OPS: readonly BitOp[] = ['and', 'or', 'xor', 'not'];
const ERR_NOT_ONE_KEY = errorReply('ERR BITOP NOT must be called with a single source key.');
const EMPTY = new Uint8Array(0);

/** Each source key's bytes (empty when absent), or null when one holds another type. */
function sources(ctx: ExecContext, argv: readonly Uint8Array[]): Uint8Array[] | null {
  const values: Uint8Array[] = [];
  for (let i = 3; i < argv.length; i++) {
    const record = lookupStringForWrite(ctx.db, keyOf(argv[i] as Uint8Array), ctx.nowMs);
    if (record === null) return null;
    values.push(record?.value ?? EMPTY);
  }
  return values;
}

function combine(op: BitOp, values: readonly Uint8Array[], lengthBytes: number): Uint8Array {
  const out = new Uint8Array(lengthBytes);
  const first = values[0] as Uint8Array;
  out.set(first);
  if (op === 'not') {
    for (let i = 0; i < lengthBytes; i++) out[i] = ~(out[i] as number) & 0xff;
    return out;
  }
  for (let v = 1; v < values.length; v++) {
    const value = values[v] as Uint8Array;
    if (op === 'and') {
      for (let i = 0; i < lengthBytes; i++) out[i] = (out[i] as number) & (value[i] ?? 0);
    } else if (op === 'or') {
      for (let i = 0; i < value.length; i++) out[i] = (out[i] as number) | (value[i] as number);
    } else {
      for (let i = 0; i < value.length; i++) out[i] = (out[i] as number) ^ (value[i] as number);
    }
  }
  return out;
}

function bitop(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const op = OPS.find((name) => isOption(argv[1] as Uint8Array, name));
  if (op === undefined) return ERR_SYNTAX;
  if (op === 'not' && argv.length !== 4) return ERR_NOT_ONE_KEY;
  const values = sources(ctx, argv);
  if (values === null) return WRONGTYPE;
  const lengthBytes = values.reduce((longest, value) => Math.max(longest, value.length), 0);
  const destination = keyOf(argv[2] as Uint8Array);
  if (lengthBytes === 0) {
    // As Redis's dbDelete: no lookup first, so even an expired key goes as a `del`.
    if (ctx.db.remove(destination)) ctx.db.notify('g', 'del', destination);
    return integerReply(0);
  }
  ctx.db.lookupForWrite(destination, ctx.nowMs);
  ctx.db.set(destination, combine(op, values, lengthBytes), NO_EXPIRY);
  ctx.db.notify('$', 'set', destination);
  return integerReply(lengthBytes);
}

export const BITOP_COMMANDS: readonly CommandSpec[] = [
  { name: 'bitop', arity: -4, flags: ['write', 'denyoom'], firstKey: 2, lastKey: -1, keyStep: 1, group: 'bitmap',
    since: '2.6.0', summary: 'Perform bitwise operations between strings', complexity: 'O(N)', handler: bitop },
];
