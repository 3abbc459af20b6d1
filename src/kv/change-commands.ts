// The change feed's own commands: CAIRN.REVISION (the last revision given, read like any key, so a
// linearizable read on any node) and CAIRN.RETENTION (sets what the history keeps, through the log
// so every node keeps the same; with no option it only answers the settings).
//   CAIRN.RETENTION [MAXCHANGES n] [MAXBYTES n] [MAXAGE ms]  ->  [maxchanges, n, maxbytes, n, maxage, ms]

import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption } from './bytes.js';
import type { Retention } from './change-history.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { bulkOf } from './streams-shared.js';

const ERR_RETENTION = errorReply('ERR retention values must be positive integers');

function revision(ctx: ExecContext): Reply {
  return integerReply(ctx.databases.changes.revision);
}

const OPTIONS: readonly [string, keyof Retention][] = [['maxchanges', 'maxChanges'], ['maxbytes', 'maxBytes'], ['maxage', 'maxAgeMs']];

function retention(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const history = ctx.databases.changes;
  const next: Record<keyof Retention, number> = { ...history.retention };
  if (argv.length % 2 === 0) return ERR_SYNTAX;
  for (let i = 1; i < argv.length; i += 2) {
    const option = OPTIONS.find(([name]) => isOption(argv[i] as Uint8Array, name));
    if (option === undefined) return ERR_SYNTAX;
    const value = parseInt64(argv[i + 1] as Uint8Array);
    if (value === undefined || value < 1n || value > BigInt(Number.MAX_SAFE_INTEGER)) return ERR_RETENTION;
    next[option[1]] = Number(value);
  }
  if (argv.length > 1) history.setRetention(next, ctx.nowMs);
  return { type: 'array', items: OPTIONS.flatMap(([name, field]) => [bulkOf(name), integerReply(history.retention[field])]) };
}

export const CHANGE_COMMANDS: readonly CommandSpec[] = [
  { name: 'cairn.revision', arity: 1, flags: ['readonly', 'fast'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '0.1.0',
    summary: 'Returns the revision of the last change (the change feed __cairn:changes).', complexity: 'O(1)', handler: revision },
  { name: 'cairn.retention', arity: -1, flags: ['write'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '0.1.0',
    summary: 'Sets and returns what the change feed retains: MAXCHANGES, MAXBYTES, MAXAGE (ms).', complexity: 'O(N) with N the changes trimmed', handler: retention },
];
