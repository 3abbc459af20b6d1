// XGROUP (CREATE with MKSTREAM / ENTRIESREAD, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP),
// checked in Redis's order: subcommand and its arity, options, the key, the group, then the
// subcommand's own arguments. And XACK, which drops entries from a group's pending list.

import { errorReply, integerReply, OK, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { NO_EXPIRY } from './db.js';
import { ConsumerGroup, ENTRIES_READ_UNKNOWN } from './stream/group.js';
import { ERR_INVALID_ID, idKey, parseId, parseStrictId, ZERO_ID, type StreamId } from './stream/id.js';
import { Stream } from './stream/stream.js';
import {
  findStream, formattedError, isCChar, quoted, subcommandOf, subcommandSyntaxError, type FoundStream, type Subcommands,
} from './streams-shared.js';

const HELP_LINES = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  '      Set the group\'s entries_read counter (internal use).',
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

const SUBCOMMANDS: Subcommands = {
  container: 'XGROUP',
  arity: { create: -5, setid: -5, destroy: 4, createconsumer: 5, delconsumer: 5, help: 2 },
  help: HELP_LINES,
};

const ERR_NEEDS_KEY = errorReply('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
const ZERO = integerReply(0);
const ONE = integerReply(1);

interface GroupOptions {
  readonly mkStream: boolean;
  readonly entriesRead: bigint;
}

/** MKSTREAM (CREATE) and ENTRIESREAD (CREATE, SETID) from argv[5] on. */
function parseGroupOptions(argv: readonly Uint8Array[], sub: string): GroupOptions | Reply {
  let mkStream = false;
  let entriesRead = ENTRIES_READ_UNKNOWN;
  for (let i = 5; i < argv.length;) {
    const opt = argv[i] as Uint8Array;
    if (sub === 'create' && isOption(opt, 'mkstream')) {
      mkStream = true;
      i++;
    } else if ((sub === 'create' || sub === 'setid') && isOption(opt, 'entriesread') && i + 1 < argv.length) {
      const value = parseInt64(argv[i + 1] as Uint8Array);
      if (value === undefined) return ERR_NOT_INTEGER;
      if (value < 0n && value !== ENTRIES_READ_UNKNOWN) return errorReply('ERR value for ENTRIESREAD must be positive or -1');
      entriesRead = value;
      i += 2;
    } else {
      return subcommandSyntaxError(argv);
    }
  }
  return { mkStream, entriesRead };
}

function xgroup(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const sub = subcommandOf(argv, SUBCOMMANDS);
  if (typeof sub !== 'string') return sub;
  const options = parseGroupOptions(argv, sub);
  if ('type' in options) return options;
  const found = findStream(ctx, argv[2] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  const groupName = keyOf(argv[3] as Uint8Array);
  if (!options.mkStream) {
    if (found === undefined) return ERR_NEEDS_KEY;
    if (sub !== 'create' && sub !== 'destroy' && found.stream.group(groupName) === undefined) {
      return formattedError(`NOGROUP No such consumer group '${quoted(argv[3] as Uint8Array)}' for key name '${quoted(argv[2] as Uint8Array)}'`);
    }
  }
  const key = keyOf(argv[2] as Uint8Array);
  // Redis raises xgroup-<subcommand> on the key when the subcommand changed something.
  const changed = (reply: Reply, did: boolean): Reply => {
    if (did) ctx.db.notify('t', `xgroup-${sub}`, key);
    return reply;
  };
  switch (sub) {
    case 'create': {
      const reply = create(ctx, argv, found, groupName, options.entriesRead);
      return changed(reply, reply === OK);
    }
    case 'setid': {
      const reply = setId(argv, found as FoundStream, groupName, options.entriesRead);
      return changed(reply, reply === OK);
    }
    case 'destroy': {
      const reply = destroy(ctx, found as FoundStream, groupName);
      return changed(reply, reply === ONE);
    }
    case 'createconsumer': {
      const created = (found as FoundStream).stream.group(groupName)?.createConsumer(keyOf(argv[4] as Uint8Array), ctx.nowMs);
      return changed(created === undefined ? ZERO : ONE, created !== undefined);
    }
    default: {
      const group = (found as FoundStream).stream.group(groupName) as ConsumerGroup;
      const consumer = group.consumer(keyOf(argv[4] as Uint8Array));
      return changed(integerReply(consumer === undefined ? 0 : group.deleteConsumer(consumer)), consumer !== undefined);
    }
  }
}

function create(ctx: ExecContext, argv: readonly Uint8Array[], found: FoundStream | undefined, name: string, entriesRead: bigint): Reply {
  if (argv.length > 8) return subcommandSyntaxError(argv);
  const idArg = argv[4] as Uint8Array;
  let id: StreamId | undefined;
  if (isCChar(idArg, 0x24)) id = found?.stream.lastId ?? ZERO_ID;
  else id = parseStrictId(idArg);
  if (id === undefined) return ERR_INVALID_ID;
  let stream = found?.stream;
  if (stream === undefined) {
    stream = new Stream();
    ctx.db.setCollection(keyOf(argv[2] as Uint8Array), stream, NO_EXPIRY);
  }
  stream.groups ??= new Map();
  if (stream.groups.has(name)) return errorReply('BUSYGROUP Consumer Group name already exists');
  stream.groups.set(name, new ConsumerGroup(id, entriesRead));
  return OK;
}

function setId(argv: readonly Uint8Array[], found: FoundStream, name: string, entriesRead: bigint): Reply {
  if (argv.length !== 5 && argv.length !== 7) return subcommandSyntaxError(argv);
  const idArg = argv[4] as Uint8Array;
  const id = isCChar(idArg, 0x24) ? found.stream.lastId : parseId(idArg, { missingSeq: 0n, strict: false })?.id;
  if (id === undefined) return ERR_INVALID_ID;
  const group = found.stream.group(name) as ConsumerGroup;
  group.lastId = id;
  group.entriesRead = entriesRead;
  return OK;
}

function destroy(ctx: ExecContext, found: FoundStream, name: string): Reply {
  if (found.stream.group(name) === undefined) return ZERO;
  found.stream.groups?.delete(name);
  // A change of the key, so clients blocked in XREADGROUP on it try again (and get NOGROUP).
  ctx.db.touch(found.record);
  return ONE;
}

function xack(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  const group = found?.stream.group(keyOf(argv[2] as Uint8Array));
  if (group === undefined) return integerReply(0);
  const keys: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const id = parseStrictId(argv[i] as Uint8Array);
    if (id === undefined) return ERR_INVALID_ID;
    keys.push(idKey(id));
  }
  let acknowledged = 0;
  for (const key of keys) if (group.ack(key)) acknowledged++;
  return integerReply(acknowledged);
}

export const GROUP_HANDLERS = { xgroup, xack };
