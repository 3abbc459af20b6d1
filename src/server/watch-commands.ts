// CAIRN.WATCH and CAIRN.UNWATCH, the connection commands of the watch (watch-hub.ts, docs/WATCH.md):
//   CAIRN.WATCH <pattern> [FROM <revision>] [PREVVALUE]
//   CAIRN.UNWATCH [<pattern> ...]

import { Buffer } from 'node:buffer';
import { errorReply, type Reply } from '../lib/reply.js';
import { parseInt64 } from '../kv/args.js';
import { isOption } from '../kv/bytes.js';
import type { CommandMeta, TableEntry } from './command-table.js';
import { command, meta } from './server-commands.js';
import type { Session } from './session.js';

const ERR_SYNTAX = errorReply('ERR syntax error');
const ERR_REVISION = errorReply('ERR FROM needs a revision: an integer of at least 1');

function watchMeta(name: string, arity: number, summary: string): CommandMeta {
  return { ...meta(name, arity, ['noscript', 'loading', 'stale'], summary, '0.1.0'), group: 'server' };
}

function watch(session: Session, argv: readonly Buffer[]): Reply {
  let from: number | undefined;
  let prevValue = false;
  for (let i = 2; i < argv.length; i++) {
    if (isOption(argv[i]!, 'prevvalue')) {
      prevValue = true;
    } else if (isOption(argv[i]!, 'from') && i + 1 < argv.length) {
      const revision = parseInt64(argv[++i]!);
      if (revision === undefined || revision < 1n || revision > BigInt(Number.MAX_SAFE_INTEGER)) return ERR_REVISION;
      from = Number(revision);
    } else {
      return ERR_SYNTAX;
    }
  }
  return session.watches.start(session.context.watches, argv[1]!, from, prevValue);
}

export const watchCommands: readonly TableEntry[] = [
  command(watchMeta('cairn.watch', -2, 'Pushes every change to keys matching a glob, from a revision on, with progress while idle (docs/WATCH.md)'), watch),
  command(watchMeta('cairn.unwatch', -1, 'Stops this connection\'s watches (all when no pattern is given)'),
    (session, argv) => session.watches.stop(session.context.watches, argv.slice(1))),
];
