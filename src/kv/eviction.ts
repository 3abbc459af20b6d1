// CAIRN.EVICT key: the deletion maxmemory's evictor (server/evictor.ts) proposes for each key it
// chose on the leader. The choice is the leader's; the command itself is deterministic — it deletes
// the key if present (a modification, as Redis's eviction signals WATCH) — so every replica
// applying the entry ends in the same state.

import { integerReply, type Reply } from '../lib/reply.js';
import { keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);

/** Deletes the key whatever it holds, expired or not: 1 if it was there, else 0. */
function cairnEvict(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const key = keyOf(argv[1] as Uint8Array);
  if (!ctx.db.remove(key)) return ZERO;
  ctx.db.notify('e', 'evicted', key);
  return ONE;
}

export const EVICTION_COMMANDS: readonly CommandSpec[] = [
  { name: 'cairn.evict', arity: 2, flags: ['write', 'fast', 'internal'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic', since: '0.1.0',
    summary: 'Deletes a key chosen by maxmemory eviction (proposed by Cairn\'s evictor, never by clients).', complexity: 'O(1)', handler: cairnEvict },
];
