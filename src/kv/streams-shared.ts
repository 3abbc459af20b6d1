// What every stream command shares: finding the stream at a key (or WRONGTYPE), the reply shapes
// of entries and IDs, Redis's formatted errors (arguments quoted as C strings, newlines mapped to
// spaces) and the error texts several commands give.

import { errorReply, type Reply } from '../lib/reply.js';
import { arityError } from './args.js';
import { keyOf, lowerName, textOf } from './bytes.js';
import type { ExecContext } from './command-types.js';
import type { KvRecord } from './db.js';
import { idReply } from './stream/id.js';
import type { StreamEntry } from './stream/chunk.js';
import type { Stream } from './stream/stream.js';
import { collectionOf, lookupTyped, lookupTypedForWrite } from './typed.js';

/** A stream found at a key, with its record (for marking changes). */
export interface FoundStream {
  readonly key: string;
  readonly record: KvRecord;
  readonly stream: Stream;
}

/** The stream at argv's key: undefined when absent, null when the key holds another type. */
export function findStream(ctx: ExecContext, keyArg: Uint8Array, write: boolean): FoundStream | undefined | null {
  const key = keyOf(keyArg);
  const record = write ? lookupTypedForWrite(ctx.db, key, ctx.nowMs, 'stream') : lookupTyped(ctx.db, key, ctx.nowMs, 'stream');
  if (record === null || record === undefined) return record;
  // Group commands change a stream without a modification WATCH sees: the size estimate recounts it.
  if (write) ctx.db.noteChanged(record);
  return { key, record, stream: collectionOf<Stream>(record) };
}

export function bulkOf(text: string): Reply {
  return { type: 'bulk', value: Buffer.from(text, 'latin1') };
}

/** One entry as Redis sends it: [id, [field, value, ...]]. */
export function entryReply(entry: StreamEntry): Reply {
  return { type: 'array', items: [idReply(entry.id), { type: 'array', items: entry.pairs.map(bulkOf) }] };
}

/** Whether an argument is, as a C string, the one character `char` (`~`, `*`, `$`, `>`). */
export function isCChar(arg: Uint8Array, char: number): boolean {
  return arg[0] === char && (arg.length === 1 || arg[1] === 0);
}

/** An argument quoted in an error message as Redis's %s does: up to its first NUL byte. */
export function quoted(arg: Uint8Array): string {
  const nul = arg.indexOf(0);
  return textOf(nul === -1 ? arg : arg.subarray(0, nul));
}

/** addReplyErrorFormat: a message without line breaks (Redis maps them to spaces). */
export function formattedError(message: string): Reply {
  return errorReply(message.replace(/[\r\n]/g, ' '));
}

export function noGroupError(keyArg: Uint8Array, groupArg: Uint8Array): Reply {
  return formattedError(`NOGROUP No such key '${quoted(keyArg)}' or consumer group '${quoted(groupArg)}'`);
}

/** The error of a subcommand's options that do not parse (addReplySubcommandSyntaxError). */
export function subcommandSyntaxError(argv: readonly Uint8Array[]): Reply {
  const container = textOf(argv[0] as Uint8Array).toUpperCase();
  const sub = quoted(argv[1] as Uint8Array).slice(0, 128);
  return formattedError(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${container} HELP.`);
}

/** A container's subcommands: their arities (negative: at least -arity) and HELP's lines. */
export interface Subcommands {
  readonly container: string;
  readonly arity: Readonly<Record<string, number>>;
  readonly help: readonly string[];
}

/**
 * The lowercase subcommand of argv once it is known and its arity fits; otherwise the error Redis
 * gives before running it (or HELP's reply).
 */
export function subcommandOf(argv: readonly Uint8Array[], subcommands: Subcommands): string | Reply {
  const sub = lowerName(argv[1] as Uint8Array);
  const arity = subcommands.arity[sub];
  if (arity === undefined) return unknownSubcommandError(argv);
  const arityOk = arity >= 0 ? argv.length === arity : argv.length >= -arity;
  if (!arityOk) return arityError(`${subcommands.container.toLowerCase()}|${sub}`);
  return sub === 'help' ? helpReply(subcommands.container, subcommands.help) : sub;
}

/** The error for a container's unknown subcommand (processCommand's, before arity). */
export function unknownSubcommandError(argv: readonly Uint8Array[]): Reply {
  const container = textOf(argv[0] as Uint8Array).toUpperCase();
  return formattedError(`ERR unknown subcommand '${quoted(argv[1] as Uint8Array).slice(0, 128)}'. Try ${container} HELP.`);
}

export const ERR_INVALID_START = errorReply('ERR invalid start ID for the interval');
export const ERR_INVALID_END = errorReply('ERR invalid end ID for the interval');

/** An array reply of simple strings: Redis's addReplyHelp, with its header and HELP lines. */
export function helpReply(container: string, lines: readonly string[]): Reply {
  const all = [`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'];
  return { type: 'array', items: all.map((value) => ({ type: 'simple', value })) };
}
