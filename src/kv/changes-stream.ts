// `__cairn:changes`, the read-only stream of every change (change-history.ts), as the commands see
// it: dispatch asks here first whether a command names it. A command that would write it (XADD,
// DEL, SET, RENAME, EXPIRE, XGROUP ... from a client or a script) is refused; a read of it alone
// (XREAD, XRANGE, XREVRANGE, XLEN, XINFO, TYPE, EXISTS, ...) runs against the history's own
// database, so its reply is exactly a stream's; a read naming it beside other keys is refused. A
// read starting at or before a trimmed change gets COMPACTED, never a silent gap (`-` in XRANGE
// means "the oldest retained"). The feed is in no database's keyspace (KEYS, SCAN, DBSIZE, FLUSHALL
// never see it) and every database sees it alike.

import { Buffer } from 'node:buffer';
import { errorReply, type Reply } from '../lib/reply.js';
import { isOption } from './bytes.js';
import { CHANGES_KEY, type ChangeHistory } from './change-history.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { isCChar } from './streams-shared.js';
import { parseStrictId } from './stream/id.js';
import { parseRangeStart } from './streams-range.js';

const FEED = Buffer.from(CHANGES_KEY, 'latin1');

export const ERR_FEED_READ_ONLY = errorReply(`ERR ${CHANGES_KEY} is Cairn's read-only change feed: writing to it is refused`);
const ERR_FEED_MIXED = errorReply(`ERR ${CHANGES_KEY} cannot be read in one command with other keys`);

/** Whether an argument is the feed's name (the length check first: most keys are not). */
export function isFeedKey(arg: Uint8Array): boolean {
  return arg.length === FEED.length && arg[0] === 0x5f && FEED.equals(arg);
}

/** Commands whose keys sit after their subcommand (argv[2]), which their table entry cannot say. */
const SUBCOMMAND_KEYED = new Set(['xinfo', 'xgroup', 'object', 'memory']);

/** The argv positions of a command's keys, as far as the feed needs to know them. */
function keyPositions(spec: CommandSpec, argv: readonly Uint8Array[]): number[] {
  if (spec.flags.includes('noscript')) return []; // EVAL, FCALL: the script's own calls are checked
  if (spec.name === 'xread' || spec.name === 'xreadgroup') {
    for (let i = 1; i < argv.length; i++) {
      if (!isOption(argv[i] as Uint8Array, 'streams')) continue;
      const streams = Math.floor((argv.length - i - 1) / 2);
      return Array.from({ length: streams }, (_, s) => i + 1 + s);
    }
    return [];
  }
  if (SUBCOMMAND_KEYED.has(spec.name)) return argv.length > 2 ? [2] : [];
  if (spec.firstKey <= 0) return [];
  const positions: number[] = [];
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : Math.min(spec.lastKey, argv.length - 1);
  for (let i = spec.firstKey; i <= last; i += Math.max(1, spec.keyStep)) positions.push(i);
  return positions;
}

/**
 * The reply of a command that names the feed, or undefined for one that does not (dispatch runs it
 * as usual). Arity is already checked.
 */
export function runOnFeed(ctx: ExecContext, spec: CommandSpec, argv: readonly Uint8Array[]): Reply | undefined {
  const positions = keyPositions(spec, argv);
  let feed = 0;
  for (const at of positions) if (isFeedKey(argv[at] as Uint8Array)) feed++;
  if (feed === 0) return undefined;
  if (spec.flags.includes('write') || !spec.flags.includes('readonly')) return ERR_FEED_READ_ONLY;
  if (feed !== positions.length) return ERR_FEED_MIXED;
  const history = ctx.databases.changes;
  const compacted = compactedRead(history, spec.name, argv, positions);
  if (compacted !== undefined) return compacted;
  return spec.handler({ ...ctx, db: history.db }, argv);
}

/** COMPACTED when a read of the feed starts at or before a trimmed change; undefined otherwise (bad IDs are the handler's to refuse). */
function compactedRead(history: ChangeHistory, name: string, argv: readonly Uint8Array[], positions: readonly number[]): Reply | undefined {
  if (name === 'xread') {
    const idsAt = (positions[positions.length - 1] as number) + 1;
    for (let i = idsAt; i < argv.length; i++) {
      const arg = argv[i] as Uint8Array;
      if (isCChar(arg, 0x24)) continue; // `$`: from now on
      const after = parseStrictId(arg);
      const compacted = after === undefined ? undefined : history.compactedAfter(after);
      if (compacted !== undefined) return compacted;
    }
    return undefined;
  }
  if (name !== 'xrange' && name !== 'xrevrange') return undefined;
  const lowArg = argv[name === 'xrange' ? 2 : 3] as Uint8Array;
  if (lowArg.length === 1 && lowArg[0] === 0x2d) return undefined; // `-`: whatever is retained
  const from = parseRangeStart(lowArg);
  return 'type' in from ? undefined : history.compactedFrom(from);
}
