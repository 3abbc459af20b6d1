// Commands made of subcommands in kv/ (OBJECT, MEMORY): the subcommand found in any case, its own
// arity checked with Redis's text ('object|encoding'), HELP as Redis's list of status lines, and
// Redis's error for a subcommand it does not know.

import { errorReply, type Reply } from '../lib/reply.js';
import { arityError } from './args.js';
import { lowerName, textOf } from './bytes.js';
import type { ExecContext, Handler } from './command-types.js';

/** How much of an unknown subcommand's name the error quotes (Redis: %.128s). */
const QUOTED_CHARS_MAX = 128;

export interface Subcommand {
  /** Argument count including the container and the subcommand; negative means "at least". */
  readonly arity: number;
  readonly handler: Handler;
}

/** Redis's reply to a container (CLIENT, OBJECT, ...) given a subcommand it lacks. */
export function unknownSubcommand(container: string, subcommand: string): Reply {
  const quoted = subcommand.slice(0, QUOTED_CHARS_MAX);
  return errorReply(`ERR unknown subcommand '${quoted}'. Try ${container.toUpperCase()} HELP.`.replace(/[\r\n]/g, ' '));
}

/** HELP's reply: the usage line, then each line of `lines`, then HELP's own, as status replies. */
export function helpReply(container: string, lines: readonly string[]): Reply {
  const all = [
    `${container.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Prints this help.',
  ];
  return { type: 'array', items: all.map((value) => ({ type: 'simple', value })) };
}

/** A handler that runs argv[1]'s subcommand from `table` (lowercase names) after checking its arity. */
export function subcommandHandler(container: string, table: ReadonlyMap<string, Subcommand>): Handler {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const name = lowerName(argv[1] as Uint8Array);
    const sub = table.get(name);
    if (sub === undefined) return unknownSubcommand(container, cString(textOf(argv[1] as Uint8Array)));
    const argc = argv.length;
    if (sub.arity >= 0 ? argc !== sub.arity : argc < -sub.arity) return arityError(`${container}|${name}`);
    return sub.handler(ctx, argv);
  };
}

/** Redis formats the name with %s: it ends at the first NUL byte. */
function cString(text: string): string {
  const nul = text.indexOf('\u0000');
  return nul === -1 ? text : text.slice(0, nul);
}
