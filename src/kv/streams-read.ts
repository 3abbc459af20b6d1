// XREAD and XREADGROUP. Both answer at once: with what the streams hold past the given IDs, or with
// the null reply Redis gives when a BLOCK times out (BLOCK is parsed and checked, never waited on
// here: the server waits and runs the command again, see streamBlockingKeys). XREADGROUP delivers
// through a consumer group: new entries (`>`) move the group on and enter the consumer's pending
// list, other IDs replay the consumer's own pending entries.

import { errorReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { type Consumer, type ConsumerGroup } from './stream/group.js';
import { compareIds, ERR_INVALID_ID, incrId, MAX_ID, parseStrictId, ZERO_ID, type StreamId } from './stream/id.js';
import type { Stream } from './stream/stream.js';
import { deliverHistory, deliverNew } from './streams-deliver.js';
import { entryReply, findStream, formattedError, isCChar, quoted } from './streams-shared.js';

interface ReadArgs {
  readonly count: number;
  /** Where the keys start; the IDs follow them. */
  readonly keysAt: number;
  readonly streams: number;
  readonly noAck: boolean;
  readonly group: Uint8Array | undefined;
  readonly consumer: Uint8Array | undefined;
}

const ERR_UNBALANCED = errorReply('ERR Unbalanced XREAD list of streams: for each stream key an ID or \'$\' must be specified.');

/** A BLOCK timeout as Redis checks it (milliseconds): undefined when valid, else the error. */
function checkTimeout(arg: Uint8Array): Reply | undefined {
  const value = parseInt64(arg);
  if (value === undefined) return errorReply('ERR timeout is not an integer or out of range');
  return value < 0n ? errorReply('ERR timeout is negative') : undefined;
}

function parseReadArgs(argv: readonly Uint8Array[], xreadgroup: boolean): ReadArgs | Reply {
  let count = 0;
  let keysAt = 0;
  let noAck = false;
  let group: Uint8Array | undefined;
  let consumer: Uint8Array | undefined;
  for (let i = 1; i < argv.length; i++) {
    const moreArgs = argv.length - i - 1;
    const opt = argv[i] as Uint8Array;
    if (isOption(opt, 'block') && moreArgs > 0) {
      const error = checkTimeout(argv[++i] as Uint8Array);
      if (error !== undefined) return error;
    } else if (isOption(opt, 'count') && moreArgs > 0) {
      const value = parseInt64(argv[++i] as Uint8Array);
      if (value === undefined) return ERR_NOT_INTEGER;
      count = value < 0n ? 0 : Number(value);
    } else if (isOption(opt, 'streams') && moreArgs > 0) {
      keysAt = i + 1;
      if ((argv.length - keysAt) % 2 !== 0) return ERR_UNBALANCED;
      break;
    } else if (isOption(opt, 'group') && moreArgs >= 2) {
      if (!xreadgroup) return errorReply('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      group = argv[i + 1];
      consumer = argv[i + 2];
      i += 2;
    } else if (isOption(opt, 'noack')) {
      if (!xreadgroup) return errorReply('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noAck = true;
    } else {
      return ERR_SYNTAX;
    }
  }
  if (keysAt === 0) return ERR_SYNTAX;
  if (xreadgroup && group === undefined) return errorReply('ERR Missing GROUP option for XREADGROUP');
  return { count, keysAt, streams: (argv.length - keysAt) / 2, noAck, group, consumer };
}

/** What one stream argument asks for: entries after `after`; MAX_ID stands for `>`. */
interface Target {
  readonly keyArg: Uint8Array;
  readonly after: StreamId;
  readonly group: ConsumerGroup | undefined;
}

/** Checks each key, group and ID in order, as Redis does before serving any. */
function resolveTargets(ctx: ExecContext, argv: readonly Uint8Array[], args: ReadArgs): Target[] | Reply {
  const targets: Target[] = [];
  const xreadgroup = args.group !== undefined;
  for (let s = 0; s < args.streams; s++) {
    const keyArg = argv[args.keysAt + s] as Uint8Array;
    const idArg = argv[args.keysAt + args.streams + s] as Uint8Array;
    const found = findStream(ctx, keyArg, xreadgroup);
    if (found === null) return WRONGTYPE;
    let group: ConsumerGroup | undefined;
    if (args.group !== undefined) {
      group = found?.stream.group(keyOf(args.group));
      if (group === undefined) {
        return formattedError(`NOGROUP No such key '${quoted(keyArg)}' or consumer group '${quoted(args.group)}' in XREADGROUP with GROUP option`);
      }
    }
    let after: StreamId | undefined;
    if (isCChar(idArg, 0x24)) {
      if (xreadgroup) return XREADGROUP_DOLLAR;
      after = found?.stream.lastId ?? ZERO_ID;
    } else if (isCChar(idArg, 0x3e)) {
      if (!xreadgroup) return XREAD_GREATER;
      after = MAX_ID;
    } else {
      after = parseStrictId(idArg);
      if (after === undefined) return ERR_INVALID_ID;
    }
    targets.push({ keyArg, after, group });
  }
  return targets;
}

const XREADGROUP_DOLLAR = errorReply('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.');
const XREAD_GREATER = errorReply('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');

/** The last live entry's ID, if any. */
function lastLive(stream: Stream): StreamId | undefined {
  return stream.length === 0 ? undefined : stream.edgeId(false);
}

function readStream(ctx: ExecContext, stream: Stream, target: Target, args: ReadArgs): Reply[] | undefined {
  const group = target.group;
  if (group === undefined) {
    const last = lastLive(stream);
    if (last === undefined || compareIds(last, target.after) <= 0) return undefined;
    const items: Reply[] = [];
    stream.range(incrId(target.after) ?? ZERO_ID, MAX_ID, false, args.count, (entry) => items.push(entryReply(entry)));
    return items;
  }
  const history = compareIds(target.after, MAX_ID) !== 0;
  if (!history) {
    const last = lastLive(stream);
    if (last === undefined || compareIds(last, group.lastId) <= 0) return undefined;
  }
  const consumer = consumerFor(ctx, keyOf(target.keyArg), group, args.consumer as Uint8Array);
  if (history) return deliverHistory(stream, group, consumer, incrId(target.after) ?? ZERO_ID, args.count, ctx.nowMs);
  return deliverNew(stream, group, consumer, args.count, args.noAck, ctx.nowMs);
}

/** The named consumer, seen now (created if new, raising xgroup-createconsumer on `key`). */
function consumerFor(ctx: ExecContext, key: string, group: ConsumerGroup, nameArg: Uint8Array): Consumer {
  const name = keyOf(nameArg);
  let consumer = group.consumer(name);
  if (consumer === undefined) {
    consumer = group.createConsumer(name, ctx.nowMs) as Consumer;
    ctx.db.notify('t', 'xgroup-createconsumer', key);
  }
  consumer.seenTimeMs = ctx.nowMs;
  return consumer;
}

function xreadWith(xreadgroup: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const args = parseReadArgs(argv, xreadgroup);
    if ('type' in args) return args;
    const targets = resolveTargets(ctx, argv, args);
    if (!Array.isArray(targets)) return targets;
    const served: [Reply, Reply][] = [];
    for (const target of targets) {
      const found = findStream(ctx, target.keyArg, xreadgroup);
      if (found === undefined || found === null) continue;
      const items = readStream(ctx, found.stream, target, args);
      if (items !== undefined) served.push([{ type: 'bulk', value: target.keyArg }, { type: 'array', items }]);
    }
    // Nothing to serve: the reply of a BLOCK that timed out (and of XREAD without BLOCK).
    return served.length === 0 ? { type: 'nullArray' } : { type: 'nestedMap', entries: served };
  };
}

/**
 * The keys a blocking XREAD / XREADGROUP waits on (its STREAMS keys), or undefined when argv has no
 * BLOCK option (or no well-formed STREAMS list). The server calls it after kv/ found nothing.
 */
export function streamBlockingKeys(argv: readonly Uint8Array[]): Uint8Array[] | undefined {
  let block = false;
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i] as Uint8Array;
    if (isOption(opt, 'block') && i + 1 < argv.length) {
      block = true;
      i++;
    } else if (isOption(opt, 'count') && i + 1 < argv.length) {
      i++;
    } else if (isOption(opt, 'group') && i + 2 < argv.length) {
      i += 2;
    } else if (isOption(opt, 'streams') && i + 1 < argv.length) {
      const rest = argv.length - i - 1;
      if (!block || rest % 2 !== 0) return undefined;
      return argv.slice(i + 1, i + 1 + rest / 2);
    }
  }
  return undefined;
}

export const READ_HANDLERS = { xread: xreadWith(false), xreadgroup: xreadWith(true) };
