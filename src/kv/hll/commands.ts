// PFADD, PFCOUNT and PFMERGE over HyperLogLog strings, as Redis 7.0's hyperloglog.c: the same
// bytes after the same commands (GET shows them), the same counts, the same errors. PFCOUNT of one
// key stores the cardinality it computed in the header, so it is a write here: every replica must
// store it alike (Redis flags it readonly and propagates the change to its replicas instead).

import { OK, errorReply, integerReply, type Reply } from '../../lib/reply.js';
import { intValue } from '../args.js';
import { keyOf } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { CommandSpec, ExecContext } from '../command-types.js';
import { NO_EXPIRY, type KvRecord } from '../db.js';
import { lookupStringForWrite } from '../typed.js';
import { estimate, histogramOf, mergeInto, rawHistogram } from './count.js';
import {
  ENCODING_DENSE, cachedCardinality, encodingOf, invalidateCache, isHll, newSparseHll, raiseDenseRegister, setCachedCardinality,
} from './format.js';
import { HLL_REGISTERS, patternOf } from './murmur.js';
import { HllDraft, sparseSet, sparseToDense } from './sparse.js';

const ERR_NOT_HLL = errorReply('WRONGTYPE Key is not a valid HyperLogLog string value.');
const ERR_CORRUPT = errorReply('INVALIDOBJ Corrupted HLL object detected');
const ZERO = integerReply(0);
const ONE = integerReply(1);

/** Raises one register in either encoding (hllAdd / PFMERGE's per-register set). */
function raise(draft: HllDraft, index: number, count: number): -1 | 0 | 1 {
  return draft.encoding === ENCODING_DENSE ? raiseDenseRegister(draft.bytes, index, count) : sparseSet(draft, index, count);
}

function store(ctx: ExecContext, key: string, record: KvRecord | undefined, draft: HllDraft): void {
  if (record === undefined) ctx.db.set(key, draft.value(), NO_EXPIRY);
  else ctx.db.replaceValue(record, draft.value());
}

function pfadd(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs);
  if (record === null) return WRONGTYPE;
  if (record !== undefined && !isHll(record.value)) return ERR_NOT_HLL;
  const draft = new HllDraft(record?.value ?? newSparseHll());
  let updated = record === undefined ? 1 : 0;
  for (let i = 2; i < argv.length; i++) {
    const { index, count } = patternOf(argv[i] as Uint8Array);
    const result = raise(draft, index, count);
    if (result === -1) {
      // Redis has already changed the string in place for the elements before the corrupt spot.
      if (updated > 0) store(ctx, key, record, draft);
      return ERR_CORRUPT;
    }
    updated += result;
  }
  if (updated === 0) return ZERO;
  invalidateCache(draft.bytes);
  store(ctx, key, record, draft);
  ctx.db.notify('$', 'pfadd', key);
  return ONE;
}

/** The union of several HLLs as raw registers, whether any was dense, or an error reply. */
function unionOf(ctx: ExecContext, keys: readonly Uint8Array[]): { registers: Uint8Array; anyDense: boolean } | Reply {
  const registers = new Uint8Array(HLL_REGISTERS);
  let anyDense = false;
  for (const keyArg of keys) {
    const record = lookupStringForWrite(ctx.db, keyOf(keyArg), ctx.nowMs);
    if (record === undefined) continue; // an absent key is an empty HLL
    if (record === null) return WRONGTYPE;
    if (!isHll(record.value)) return ERR_NOT_HLL;
    if (encodingOf(record.value) === ENCODING_DENSE) anyDense = true;
    if (!mergeInto(registers, record.value)) return ERR_CORRUPT;
  }
  return { registers, anyDense };
}

/** A uint64 count as addReplyLongLong sends it: the same 64 bits, signed. */
function cardinalityReply(card: bigint): Reply {
  return integerReply(intValue(BigInt.asIntN(64, card)));
}

function pfcount(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  if (argv.length > 2) {
    const union = unionOf(ctx, argv.slice(1));
    return 'registers' in union ? cardinalityReply(estimate(rawHistogram(union.registers))) : union;
  }
  const record = lookupStringForWrite(ctx.db, keyOf(argv[1] as Uint8Array), ctx.nowMs);
  if (record === undefined) return ZERO;
  if (record === null) return WRONGTYPE;
  if (!isHll(record.value)) return ERR_NOT_HLL;
  const cached = cachedCardinality(record.value);
  if (cached !== undefined) return cardinalityReply(cached);
  const histogram = histogramOf(record.value);
  if (histogram === undefined) return ERR_CORRUPT;
  const card = estimate(histogram);
  const draft = new HllDraft(record.value);
  setCachedCardinality(draft.bytes, card);
  ctx.db.replaceValue(record, draft.value());
  return cardinalityReply(card);
}

function pfmerge(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const union = unionOf(ctx, argv.slice(1));
  if (!('registers' in union)) return union;
  const key = keyOf(argv[1] as Uint8Array);
  // The destination was among the sources: a string holding a valid HLL, or absent.
  const record = lookupStringForWrite(ctx.db, key, ctx.nowMs) ?? undefined;
  const draft = new HllDraft(record?.value ?? newSparseHll());
  if (union.anyDense && !sparseToDense(draft)) return ERR_CORRUPT;
  for (let i = 0; i < HLL_REGISTERS; i++) {
    const register = union.registers[i] as number;
    if (register !== 0) raise(draft, i, register);
  }
  invalidateCache(draft.bytes);
  store(ctx, key, record, draft);
  ctx.db.notify('$', 'pfadd', key);
  return OK;
}

export const HLL_COMMANDS: readonly CommandSpec[] = [
  { name: 'pfadd', arity: -2, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'hyperloglog',
    since: '2.8.9', summary: 'Adds the specified elements to the specified HyperLogLog.', complexity: 'O(1) to add every element.', handler: pfadd },
  { name: 'pfcount', arity: -2, flags: ['write'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'hyperloglog', since: '2.8.9',
    summary: 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
    complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
    handler: pfcount },
  { name: 'pfmerge', arity: -2, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, keyStep: 1, group: 'hyperloglog', since: '2.8.9',
    summary: 'Merge N different HyperLogLogs into a single one.', complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
    handler: pfmerge },
];
