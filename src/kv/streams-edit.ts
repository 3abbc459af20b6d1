// XDEL (entries removed one by one, the largest deleted ID remembered for consumer-group lag),
// XSETID (the stream's last ID, entries-added and max-deleted-ID set by hand), and XLEN.

import { errorReply, integerReply, OK, type Reply } from '../lib/reply.js';
import { ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { compareIds, ERR_INVALID_ID, isZeroId, parseStrictId, ZERO_ID, type StreamId } from './stream/id.js';
import { findStream } from './streams-shared.js';

function xlen(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const found = findStream(ctx, argv[1] as Uint8Array, false);
  if (found === null) return WRONGTYPE;
  return integerReply(found === undefined ? 0 : found.stream.length);
}

function xdel(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  if (found === undefined) return integerReply(0);
  // Every ID is checked before any is deleted, so an error changes nothing.
  const ids: StreamId[] = [];
  for (let i = 2; i < argv.length; i++) {
    const id = parseStrictId(argv[i] as Uint8Array);
    if (id === undefined) return ERR_INVALID_ID;
    ids.push(id);
  }
  const stream = found.stream;
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!stream.delete(id)) continue;
    if (compareIds(id, stream.firstId) === 0) firstDeleted = true;
    if (compareIds(id, stream.maxDeletedId) > 0) stream.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    if (stream.length === 0) stream.firstId = ZERO_ID;
    else if (firstDeleted) stream.firstId = stream.edgeId(true) as StreamId;
    ctx.db.touch(found.record);
    ctx.db.notify('t', 'xdel', keyOf(argv[1] as Uint8Array));
  }
  return integerReply(deleted);
}

interface SetIdOptions {
  readonly entriesAdded: bigint;
  readonly maxDeletedId: StreamId;
}

/** XSETID's options after the ID: ENTRIESADDED n, MAXDELETEDID id. */
function parseSetIdOptions(argv: readonly Uint8Array[], id: StreamId): SetIdOptions | Reply {
  let entriesAdded = -1n;
  let maxDeletedId = ZERO_ID;
  for (let i = 3; i < argv.length; i += 2) {
    const opt = argv[i] as Uint8Array;
    const moreArgs = argv.length - 1 - i;
    if (isOption(opt, 'entriesadded') && moreArgs > 0) {
      const value = parseInt64(argv[i + 1] as Uint8Array);
      if (value === undefined) return ERR_NOT_INTEGER;
      if (value < 0n) return errorReply('ERR entries_added must be positive');
      entriesAdded = value;
    } else if (isOption(opt, 'maxdeletedid') && moreArgs > 0) {
      const value = parseStrictId(argv[i + 1] as Uint8Array);
      if (value === undefined) return ERR_INVALID_ID;
      if (compareIds(id, value) < 0) return errorReply('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      maxDeletedId = value;
    } else {
      return ERR_SYNTAX;
    }
  }
  return { entriesAdded, maxDeletedId };
}

function xsetid(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const id = parseStrictId(argv[2] as Uint8Array);
  if (id === undefined) return ERR_INVALID_ID;
  const options = parseSetIdOptions(argv, id);
  if ('type' in options) return options;
  const found = findStream(ctx, argv[1] as Uint8Array, true);
  if (found === null) return WRONGTYPE;
  if (found === undefined) return ERR_NO_SUCH_KEY;
  const stream = found.stream;
  if (stream.length > 0) {
    if (compareIds(id, stream.edgeId(false) as StreamId) < 0) {
      return errorReply('ERR The ID specified in XSETID is smaller than the target stream top item');
    }
    if (options.entriesAdded !== -1n && BigInt(stream.length) > options.entriesAdded) {
      return errorReply('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  stream.lastId = id;
  if (options.entriesAdded !== -1n) stream.entriesAdded = options.entriesAdded;
  if (!isZeroId(options.maxDeletedId)) stream.maxDeletedId = options.maxDeletedId;
  ctx.db.touch(found.record);
  ctx.db.notify('t', 'xsetid', keyOf(argv[1] as Uint8Array));
  return OK;
}

export const EDIT_HANDLERS = { xlen, xdel, xsetid };
