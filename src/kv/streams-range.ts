// XRANGE and XREVRANGE: entries between two IDs (`-` and `+` for the ends, `(` for an exclusive
// bound, an incomplete ID standing for its first or last sequence), optionally COUNT of them.

import type { Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption } from './bytes.js';
import type { ExecContext } from './command-types.js';
import { WRONGTYPE } from './collection.js';
import { decrId, ERR_INVALID_ID, incrId, parseIntervalId, UINT64_MAX, type StreamId } from './stream/id.js';
import { entryReply, ERR_INVALID_END, ERR_INVALID_START, findStream } from './streams-shared.js';

const EMPTY: Reply = Object.freeze({ type: 'array', items: [] });

/** A range's start bound (`(` moves it one ID up) or the error Redis gives. */
export function parseRangeStart(arg: Uint8Array): StreamId | Reply {
  const start = parseIntervalId(arg, 0n);
  if (start === undefined) return ERR_INVALID_ID;
  if (!start.exclusive) return start.id;
  return incrId(start.id) ?? ERR_INVALID_START;
}

/** A range's end bound (`(` moves it one ID down; an incomplete ID ends at its last sequence). */
export function parseRangeEnd(arg: Uint8Array): StreamId | Reply {
  const end = parseIntervalId(arg, UINT64_MAX);
  if (end === undefined) return ERR_INVALID_ID;
  if (!end.exclusive) return end.id;
  return decrId(end.id) ?? ERR_INVALID_END;
}

function xrangeWith(rev: boolean) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const start = parseRangeStart((rev ? argv[3] : argv[2]) as Uint8Array);
    if ('type' in start) return start;
    const end = parseRangeEnd((rev ? argv[2] : argv[3]) as Uint8Array);
    if ('type' in end) return end;
    let count = -1;
    for (let j = 4; j < argv.length; j++) {
      if (!isOption(argv[j] as Uint8Array, 'count') || j + 1 >= argv.length) return ERR_SYNTAX;
      const value = parseInt64(argv[++j] as Uint8Array);
      if (value === undefined) return ERR_NOT_INTEGER;
      count = value < 0n ? 0 : Number(value);
    }
    const found = findStream(ctx, argv[1] as Uint8Array, false);
    if (found === null) return WRONGTYPE;
    if (found === undefined) return EMPTY;
    if (count === 0) return { type: 'nullArray' };
    const items: Reply[] = [];
    found.stream.range(start, end, rev, count === -1 ? 0 : count, (entry) => items.push(entryReply(entry)));
    return { type: 'array', items };
  };
}

export const RANGE_HANDLERS = { xrange: xrangeWith(false), xrevrange: xrangeWith(true) };
