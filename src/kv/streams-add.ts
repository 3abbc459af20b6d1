// XADD and XTRIM, with the options they share (MAXLEN / MINID with = or ~, LIMIT), parsed in
// Redis's order with Redis's error texts. New IDs come from the entry's time (ctx.nowMs), never
// below the stream's last ID, so every replica generates the same ones.

import { errorReply, integerReply, NULL, type Reply } from '../lib/reply.js';
import { arityError, ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { NO_EXPIRY } from './db.js';
import { compareIds, ERR_INVALID_ID, idReply, incrId, isZeroId, MAX_ID, parseId, type ParsedId, type StreamId, UINT64_MAX } from './stream/id.js';
import { Stream, type TrimSpec } from './stream/stream.js';
import { findStream, isCChar } from './streams-shared.js';

/** Redis's default LIMIT for `~` trimming: 100 nodes of stream-node-max-entries (100). */
const APPROX_LIMIT_DEFAULT = 10_000;

interface AddTrimArgs {
  /** The XADD ID argument's position. */
  readonly idPos: number;
  /** The ID given to XADD, or undefined for `*`. */
  readonly id: ParsedId | undefined;
  readonly noMkStream: boolean;
  readonly trim: TrimSpec | undefined;
}

const ERR_BOTH_STRATEGIES = errorReply('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');

interface TrimState {
  strategy: 'maxlen' | 'minid' | undefined;
  approx: boolean;
  maxLen: number;
  minId: StreamId;
  limit: bigint;
  limitGiven: boolean;
}

/** One MAXLEN / MINID option at argv[i] with its `=` / `~` and value; returns the next index or an error. */
function parseStrategy(argv: readonly Uint8Array[], i: number, state: TrimState, strategy: 'maxlen' | 'minid'): number | Reply {
  if (state.strategy !== undefined) return ERR_BOTH_STRATEGIES;
  state.approx = false;
  const next = argv[i + 1] as Uint8Array;
  const moreArgs = argv.length - 1 - i;
  if (moreArgs >= 2 && (isCChar(next, 0x7e) || isCChar(next, 0x3d))) {
    state.approx = next[0] === 0x7e;
    i++;
  }
  const valueArg = argv[i + 1] as Uint8Array;
  if (strategy === 'maxlen') {
    const maxLen = parseInt64(valueArg);
    if (maxLen === undefined) return ERR_NOT_INTEGER;
    if (maxLen < 0n) return errorReply('ERR The MAXLEN argument must be >= 0.');
    state.maxLen = Number(maxLen);
  } else {
    const minId = parseId(valueArg, { missingSeq: 0n, strict: true });
    if (minId === undefined) return ERR_INVALID_ID;
    state.minId = minId.id;
  }
  state.strategy = strategy;
  return i + 1;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(argv: readonly Uint8Array[], xadd: boolean): AddTrimArgs | Reply {
  const state: TrimState = { strategy: undefined, approx: false, maxLen: 0, minId: MAX_ID, limit: 0n, limitGiven: false };
  let id: ParsedId | undefined;
  let noMkStream = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const opt = argv[i] as Uint8Array;
    const moreArgs = argv.length - 1 - i;
    if (xadd && isCChar(opt, 0x2a)) break;
    if ((isOption(opt, 'maxlen') || isOption(opt, 'minid')) && moreArgs > 0) {
      const next = parseStrategy(argv, i, state, isOption(opt, 'maxlen') ? 'maxlen' : 'minid');
      if (typeof next !== 'number') return next;
      i = next;
    } else if (isOption(opt, 'limit') && moreArgs > 0) {
      const limit = parseInt64(argv[++i] as Uint8Array);
      if (limit === undefined) return ERR_NOT_INTEGER;
      if (limit < 0n) return errorReply('ERR The LIMIT argument must be >= 0.');
      state.limit = limit;
      state.limitGiven = true;
    } else if (xadd && isOption(opt, 'nomkstream')) {
      noMkStream = true;
    } else if (xadd) {
      id = parseId(opt, { missingSeq: 0n, strict: true, seqStar: true });
      if (id === undefined) return ERR_INVALID_ID;
      break;
    } else {
      return ERR_SYNTAX;
    }
  }
  const trim = finishTrim(state, xadd);
  return 'type' in trim ? trim : { idPos: i, id, noMkStream, trim: trim.spec };
}

function finishTrim(state: TrimState, xadd: boolean): { spec: TrimSpec | undefined } | Reply {
  if (state.limit !== 0n && state.strategy === undefined) {
    return errorReply('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  }
  if (!xadd && state.strategy === undefined) return errorReply('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (state.limitGiven && !state.approx) return errorReply('ERR syntax error, LIMIT cannot be used without the special ~ option');
  const limit = state.limitGiven ? Number(state.limit) : state.approx ? APPROX_LIMIT_DEFAULT : 0;
  if (state.strategy === undefined) return { spec: undefined };
  const bound = state.strategy === 'maxlen' ? { maxLen: state.maxLen } : { minId: state.minId };
  return { spec: { ...bound, approx: state.approx, limit } };
}

const ERR_ID_TOO_SMALL = errorReply('ERR The ID specified in XADD is equal or smaller than the target stream top item');
/** Redis 7.0's answer when `<ms>-*` finds the sequence of that ms used up (it fails without saying why). */
const ERR_SEQ_USED_UP = errorReply('ERR Elements are too large to be stored');

/** The ID XADD adds under: the given one, `<ms>-*` completed, or one from the clock; an error if not above lastId. */
function newId(stream: Stream, given: ParsedId | undefined, nowMs: number): StreamId | Reply {
  const last = stream.lastId;
  let id: StreamId | undefined;
  if (given === undefined) {
    const ms = BigInt(nowMs);
    id = ms > last.ms ? { ms, seq: 0n } : incrId(last);
  } else if (given.seqGiven) {
    id = given.id;
  } else if (given.id.ms === last.ms) {
    if (last.seq === UINT64_MAX) return ERR_SEQ_USED_UP;
    id = { ms: last.ms, seq: last.seq + 1n };
  } else {
    id = given.id;
  }
  return id !== undefined && compareIds(id, last) > 0 ? id : ERR_ID_TOO_SMALL;
}

function xadd(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const args = parseAddOrTrim(argv, true);
  if ('type' in args) return args;
  const fieldPos = args.idPos + 1;
  const pairCount = argv.length - fieldPos;
  if (pairCount < 2 || pairCount % 2 === 1) return arityError('xadd');
  if (args.id !== undefined && args.id.seqGiven && isZeroId(args.id.id)) {
    return errorReply('ERR The ID specified in XADD must be greater than 0-0');
  }
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  if (found === undefined && args.noMkStream) return NULL;
  const stream = found?.stream ?? new Stream();
  if (compareIds(stream.lastId, MAX_ID) === 0) {
    return errorReply('ERR The stream has exhausted the last possible ID, unable to add more items');
  }
  const id = newId(stream, args.id, ctx.nowMs);
  if ('type' in id) return id;
  const pairs: string[] = [];
  for (let i = fieldPos; i < argv.length; i++) pairs.push(keyOf(argv[i] as Uint8Array));
  stream.append(id, pairs);
  const trimmed = args.trim === undefined ? 0 : stream.trim(args.trim);
  const key = keyOf(argv[1] as Uint8Array);
  if (found === undefined) ctx.db.setCollection(key, stream, NO_EXPIRY);
  else ctx.db.touch(found.record);
  ctx.db.notify('t', 'xadd', key);
  if (trimmed > 0) ctx.db.notify('t', 'xtrim', key);
  return idReply(id);
}

function xtrim(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const args = parseAddOrTrim(argv, false);
  if ('type' in args) return args;
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  if (found === undefined || args.trim === undefined) return integerReply(0);
  const deleted = found.stream.trim(args.trim);
  if (deleted > 0) {
    ctx.db.touch(found.record);
    ctx.db.notify('t', 'xtrim', keyOf(argv[1] as Uint8Array));
  }
  return integerReply(deleted);
}

export const ADD_HANDLERS = { xadd, xtrim };
