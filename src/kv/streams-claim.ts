// XCLAIM and XAUTOCLAIM: pending entries idle long enough change owner, as if delivered to the
// claiming consumer now (or at IDLE / TIME). Entries deleted from the stream leave the pending
// list instead. The consumer is created (and seen) only when it claims something, as in 7.0.

import { errorReply, type Reply } from '../lib/reply.js';
import { ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { nextDeliveryCount, type Consumer, type ConsumerGroup, type DeliveryCount, type Nack } from './stream/group.js';
import { compareIds, ERR_INVALID_ID, idKey, idReply, keyId, parseStrictId, ZERO_ID, type StreamId } from './stream/id.js';
import type { Stream } from './stream/stream.js';
import { parseRangeStart } from './streams-range.js';
import { entryReply, findStream, formattedError, noGroupError, quoted } from './streams-shared.js';

/** The claiming consumer, looked up (and seen) or created on the first claim (raising xgroup-createconsumer on the stream's key). */
class Claimant {
  private consumer: Consumer | undefined;

  constructor(private readonly ctx: ExecContext, private readonly key: string, private readonly group: ConsumerGroup, private readonly name: string) {}

  get(): Consumer {
    if (this.consumer === undefined) {
      const existing = this.group.consumer(this.name);
      this.consumer = existing ?? (this.group.createConsumer(this.name, this.ctx.nowMs) as Consumer);
      if (existing === undefined) this.ctx.db.notify('t', 'xgroup-createconsumer', this.key);
      this.consumer.seenTimeMs = this.ctx.nowMs;
    }
    return this.consumer;
  }
}

interface ClaimOptions {
  force: boolean;
  justId: boolean;
  /** The delivery time to set; undefined means now. */
  deliveryTimeMs: bigint | undefined;
  retryCount: bigint;
  lastId: StreamId;
}

function optionError(name: string): Reply {
  return errorReply(`ERR Invalid ${name} option argument for XCLAIM`);
}

/** XCLAIM's options, from the first argument that is not an ID. */
function parseClaimOptions(argv: readonly Uint8Array[], from: number, nowMs: number): ClaimOptions | Reply {
  const options: ClaimOptions = { force: false, justId: false, deliveryTimeMs: undefined, retryCount: -1n, lastId: ZERO_ID };
  for (let j = from; j < argv.length; j++) {
    const opt = argv[j] as Uint8Array;
    const moreArgs = argv.length - 1 - j;
    if (isOption(opt, 'force')) options.force = true;
    else if (isOption(opt, 'justid')) options.justId = true;
    else if ((isOption(opt, 'idle') || isOption(opt, 'time') || isOption(opt, 'retrycount')) && moreArgs > 0) {
      const name = isOption(opt, 'idle') ? 'IDLE' : isOption(opt, 'time') ? 'TIME' : 'RETRYCOUNT';
      const value = parseInt64(argv[++j] as Uint8Array);
      if (value === undefined) return optionError(name);
      if (name === 'RETRYCOUNT') options.retryCount = value;
      else options.deliveryTimeMs = name === 'IDLE' ? BigInt(nowMs) - value : value;
    } else if (isOption(opt, 'lastid') && moreArgs > 0) {
      const id = parseStrictId(argv[++j] as Uint8Array);
      if (id === undefined) return ERR_INVALID_ID;
      options.lastId = id;
    } else {
      return formattedError(`ERR Unrecognized XCLAIM option '${quoted(opt)}'`);
    }
  }
  return options;
}

function deliveryCountAfter(nack: Nack, options: ClaimOptions): DeliveryCount {
  if (options.retryCount >= 0n) {
    const count = options.retryCount;
    return count <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(count) : count;
  }
  return options.justId ? nack.deliveryCount : nextDeliveryCount(nack.deliveryCount);
}

/** Claims one ID for XCLAIM; returns its reply, or undefined when it is not claimed. */
function claimOne(stream: Stream, group: ConsumerGroup, id: StreamId, claimant: Claimant, options: ClaimOptions, minIdleMs: bigint, nowMs: number, deliveryTimeMs: number): Reply | undefined {
  const key = idKey(id);
  let nack = group.pel.get(key);
  const entry = stream.get(id);
  if (entry === undefined) {
    if (nack !== undefined) group.ack(key);
    return undefined;
  }
  if (nack === undefined) {
    if (!options.force) return undefined;
    // FORCE creates the pending entry: no previous owner, so no idle time to check.
    nack = { consumer: claimant.get(), deliveryTimeMs, deliveryCount: 1 };
    group.addNack(key, nack);
  } else if (minIdleMs !== 0n && BigInt(nowMs - nack.deliveryTimeMs) < minIdleMs) {
    return undefined;
  }
  group.moveNack(key, nack, claimant.get());
  nack.deliveryTimeMs = deliveryTimeMs;
  nack.deliveryCount = deliveryCountAfter(nack, options);
  return options.justId ? idReply(id) : entryReply(entry);
}

function parseMinIdle(arg: Uint8Array, command: string): bigint | Reply {
  const value = parseInt64(arg);
  if (value === undefined) return errorReply(`ERR Invalid min-idle-time argument for ${command}`);
  return value < 0n ? 0n : value;
}

function xclaim(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  const group = found?.stream.group(keyOf(argv[2] as Uint8Array));
  if (found === undefined || group === undefined) return noGroupError(argv[1] as Uint8Array, argv[2] as Uint8Array);
  const minIdleMs = parseMinIdle(argv[4] as Uint8Array, 'XCLAIM');
  if (typeof minIdleMs !== 'bigint') return minIdleMs;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseStrictId(argv[j] as Uint8Array);
    if (id === undefined) break;
    ids.push(id);
  }
  const options = parseClaimOptions(argv, j, ctx.nowMs);
  if ('type' in options) return options;
  if (compareIds(options.lastId, group.lastId) > 0) group.lastId = options.lastId;
  const time = options.deliveryTimeMs;
  const deliveryTimeMs = time === undefined || time < 0n || time > BigInt(ctx.nowMs) ? ctx.nowMs : Number(time);
  const claimant = new Claimant(ctx, keyOf(argv[1] as Uint8Array), group, keyOf(argv[3] as Uint8Array));
  const items: Reply[] = [];
  for (const id of ids) {
    const reply = claimOne(found.stream, group, id, claimant, options, minIdleMs, ctx.nowMs, deliveryTimeMs);
    if (reply !== undefined) items.push(reply);
  }
  return { type: 'array', items };
}

/** Redis allocates COUNT IDs up front (16 bytes each); past what an allocation can get it refuses. */
const AUTOCLAIM_COUNT_MAX = 576460752303423487n; // LONG_MAX / 16
const AUTOCLAIM_ALLOCATABLE_MAX = 1n << 43n; // 2^47 bytes of address space / 16

interface AutoClaimArgs {
  readonly minIdleMs: bigint;
  readonly start: StreamId;
  readonly count: number;
  readonly justId: boolean;
}

function parseAutoClaim(argv: readonly Uint8Array[]): AutoClaimArgs | Reply {
  const minIdleMs = parseMinIdle(argv[4] as Uint8Array, 'XAUTOCLAIM');
  if (typeof minIdleMs !== 'bigint') return minIdleMs;
  const start = parseRangeStart(argv[5] as Uint8Array);
  if ('type' in start) return start;
  let count = 100n;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const opt = argv[j] as Uint8Array;
    if (isOption(opt, 'count') && j + 1 < argv.length) {
      const value = parseInt64(argv[++j] as Uint8Array);
      if (value === undefined || value < 1n || value > AUTOCLAIM_COUNT_MAX) return errorReply('ERR COUNT must be > 0');
      count = value;
    } else if (isOption(opt, 'justid')) {
      justId = true;
    } else {
      return ERR_SYNTAX;
    }
  }
  if (count > AUTOCLAIM_ALLOCATABLE_MAX) return errorReply('ERR Insufficient memory, failed allocating transient memory, COUNT too high.');
  return { minIdleMs, start, count: Number(count), justId };
}

function xautoclaim(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const args = parseAutoClaim(argv);
  if ('type' in args) return args;
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  const group = found?.stream.group(keyOf(argv[2] as Uint8Array));
  if (found === undefined || group === undefined) return noGroupError(argv[1] as Uint8Array, argv[2] as Uint8Array);
  const claimant = new Claimant(ctx, keyOf(argv[1] as Uint8Array), group, keyOf(argv[3] as Uint8Array));
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  const pending = group.pelOrder;
  let count = args.count;
  let attempts = args.count * 10;
  let next = pending.lowerBound(idKey(args.start));
  while (attempts-- > 0 && count > 0 && next < pending.size) {
    const key = pending.at(next);
    const id = keyId(key);
    const entry = found.stream.get(id);
    if (entry === undefined) {
      group.ack(key); // the next pending entry moves into this place
      deleted.push(idReply(id));
      count--;
      continue;
    }
    next++;
    const nack = group.pel.get(key) as Nack;
    if (args.minIdleMs !== 0n && BigInt(ctx.nowMs - nack.deliveryTimeMs) < args.minIdleMs) continue;
    group.moveNack(key, nack, claimant.get());
    nack.deliveryTimeMs = ctx.nowMs;
    if (!args.justId) nack.deliveryCount = nextDeliveryCount(nack.deliveryCount);
    claimed.push(args.justId ? idReply(id) : entryReply(entry));
    count--;
  }
  const cursor = next < pending.size ? keyId(pending.at(next)) : ZERO_ID;
  return { type: 'array', items: [idReply(cursor), { type: 'array', items: claimed }, { type: 'array', items: deleted }] };
}

export const CLAIM_HANDLERS = { xclaim, xautoclaim };
