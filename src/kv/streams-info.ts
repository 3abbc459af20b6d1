// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS and XINFO HELP, in Redis 7.0's
// shapes (maps: flat arrays in RESP2), radix-tree figures included (rax-nodes.ts).

import { integerReply, NULL, type Reply } from '../lib/reply.js';
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { ENTRIES_READ_UNKNOWN, type ConsumerGroup, type Nack } from './stream/group.js';
import { idReply, keyId, MAX_ID, ZERO_ID } from './stream/id.js';
import { groupLag } from './stream/lag.js';
import { raxNodeCount } from './stream/rax-nodes.js';
import type { Stream } from './stream/stream.js';
import {
  bulkOf, entryReply, findStream, formattedError, quoted, subcommandOf, subcommandSyntaxError, type Subcommands,
} from './streams-shared.js';

const HELP_LINES = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

const SUBCOMMANDS: Subcommands = { container: 'XINFO', arity: { consumers: 4, groups: 3, stream: -3, help: 2 }, help: HELP_LINES };

/** XINFO STREAM FULL's default COUNT. */
const FULL_COUNT_DEFAULT = 10;

function map(fields: readonly (readonly [string, Reply])[]): Reply {
  return { type: 'map', entries: fields.map(([name, value]) => [bulkOf(name), value] as const) };
}

function nullable(value: bigint | undefined): Reply {
  return value === undefined ? NULL : integerReply(value);
}

function entriesRead(group: ConsumerGroup): Reply {
  return group.entriesRead === ENTRIES_READ_UNKNOWN ? NULL : integerReply(group.entriesRead);
}

/** The fields XINFO STREAM gives in both forms. */
function streamHeader(stream: Stream): [string, Reply][] {
  return [
    ['length', integerReply(stream.length)],
    ['radix-tree-keys', integerReply(stream.chunks.length)],
    ['radix-tree-nodes', integerReply(raxNodeCount(stream.chunks.map((chunk) => chunk.master)))],
    ['last-generated-id', idReply(stream.lastId)],
    ['max-deleted-entry-id', idReply(stream.maxDeletedId)],
    ['entries-added', integerReply(stream.entriesAdded)],
    ['recorded-first-entry-id', idReply(stream.firstId)],
  ];
}

function edgeEntry(stream: Stream, rev: boolean): Reply {
  let reply: Reply = NULL;
  stream.range(ZERO_ID, MAX_ID, rev, 1, (entry) => {
    reply = entryReply(entry);
  });
  return reply;
}

function streamInfo(stream: Stream): Reply {
  return map([
    ...streamHeader(stream),
    ['groups', integerReply(stream.groups?.size ?? 0)],
    ['first-entry', edgeEntry(stream, false)],
    ['last-entry', edgeEntry(stream, true)],
  ]);
}

/** Up to `count` (0 = all) of a pending list's entries as `row` makes them. */
function pendingRows(keys: readonly string[], group: ConsumerGroup, count: number, row: (key: string, nack: Nack) => Reply[]): Reply {
  const shown = count === 0 ? keys : keys.slice(0, count);
  return { type: 'array', items: shown.map((key) => ({ type: 'array', items: row(key, group.pel.get(key) as Nack) })) };
}

function fullGroup(stream: Stream, name: string, group: ConsumerGroup, count: number): Reply {
  const consumers = group.sortedConsumers().map((consumer) => map([
    ['name', bulkOf(consumer.name)],
    ['seen-time', integerReply(consumer.seenTimeMs)],
    ['pel-count', integerReply(consumer.pel.size)],
    ['pending', pendingRows(consumer.pel.values(), group, count, (key, nack) => [
      idReply(keyId(key)), integerReply(nack.deliveryTimeMs), integerReply(nack.deliveryCount)])],
  ]));
  return map([
    ['name', bulkOf(name)],
    ['last-delivered-id', idReply(group.lastId)],
    ['entries-read', entriesRead(group)],
    ['lag', nullable(groupLag(stream, group))],
    ['pel-count', integerReply(group.pel.size)],
    ['pending', pendingRows(group.pelOrder.values(), group, count, (key, nack) => [
      idReply(keyId(key)), bulkOf(nack.consumer.name), integerReply(nack.deliveryTimeMs), integerReply(nack.deliveryCount)])],
    ['consumers', { type: 'array', items: consumers }],
  ]);
}

function streamFull(stream: Stream, count: number): Reply {
  const entries: Reply[] = [];
  stream.range(ZERO_ID, MAX_ID, false, count, (entry) => entries.push(entryReply(entry)));
  const groups = stream.sortedGroups().map(([name, group]) => fullGroup(stream, name, group, count));
  return map([...streamHeader(stream), ['entries', { type: 'array', items: entries }], ['groups', { type: 'array', items: groups }]]);
}

/** XINFO STREAM key [FULL [COUNT n]]. */
function xinfoStream(stream: Stream, argv: readonly Uint8Array[]): Reply {
  const options = argv.length - 3;
  if (options === 0) return streamInfo(stream);
  if ((options !== 1 && options !== 3) || !isOption(argv[3] as Uint8Array, 'full')) return subcommandSyntaxError(argv);
  let count = FULL_COUNT_DEFAULT;
  if (options === 3) {
    if (!isOption(argv[4] as Uint8Array, 'count')) return subcommandSyntaxError(argv);
    const value = parseInt64(argv[5] as Uint8Array);
    if (value === undefined) return ERR_NOT_INTEGER;
    count = value < 0n ? FULL_COUNT_DEFAULT : Number(value);
  }
  return streamFull(stream, count);
}

function xinfoGroups(stream: Stream): Reply {
  const items = stream.sortedGroups().map(([name, group]) => map([
    ['name', bulkOf(name)],
    ['consumers', integerReply(group.consumers.size)],
    ['pending', integerReply(group.pel.size)],
    ['last-delivered-id', idReply(group.lastId)],
    ['entries-read', entriesRead(group)],
    ['lag', nullable(groupLag(stream, group))],
  ]));
  return { type: 'array', items };
}

function xinfoConsumers(stream: Stream, argv: readonly Uint8Array[], nowMs: number): Reply {
  const group = stream.group(keyOf(argv[3] as Uint8Array));
  if (group === undefined) {
    return formattedError(`NOGROUP No such consumer group '${quoted(argv[3] as Uint8Array)}' for key name '${quoted(argv[2] as Uint8Array)}'`);
  }
  const items = group.sortedConsumers().map((consumer) => map([
    ['name', bulkOf(consumer.name)],
    ['pending', integerReply(consumer.pel.size)],
    ['idle', integerReply(Math.max(0, nowMs - consumer.seenTimeMs))],
  ]));
  return { type: 'array', items };
}

function xinfo(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const sub = subcommandOf(argv, SUBCOMMANDS);
  if (typeof sub !== 'string') return sub;
  const found = findStream(ctx, argv[2] as Uint8Array, false);
  if (found === undefined) return ERR_NO_SUCH_KEY;
  if (found === null) return WRONGTYPE;
  if (sub === 'consumers') return xinfoConsumers(found.stream, argv, ctx.nowMs);
  if (sub === 'groups') return xinfoGroups(found.stream);
  return xinfoStream(found.stream, argv);
}

export const INFO_HANDLERS = { xinfo };
