// The keys a read command reads, for client-side caching's tracking table: the command table's
// firstKey/lastKey/keyStep, and for the read commands whose keys move (Redis's movablekeys) their
// arguments parsed as Redis's getKeys procedures do — numkeys (ZUNION, ZINTER, ZDIFF, ZINTERCARD,
// SINTERCARD) and STREAMS (XREAD). A read-only script (EVAL_RO, EVALSHA_RO, FCALL_RO) remembers
// the keys it declares: Redis remembers those its commands read, the same keys for a script that
// reads only what it declares (as Redis Cluster requires); a key read undeclared is not tracked.
// A script that may write (EVAL, FCALL) runs through the log and remembers nothing here.

import { parseRedisInteger } from '../resp/parser.js';
import type { CommandMeta } from './command-table.js';

const numkeysAt1 = new Set(['zunion', 'zinter', 'zdiff', 'zintercard', 'sintercard']);
const numkeysAt2 = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** The keys `argv` reads, as latin1 strings of their bytes (the tracking table's form); malformed arguments give none. */
export function readKeys(meta: Pick<CommandMeta, 'name' | 'firstKey' | 'lastKey' | 'keyStep'>, argv: readonly Uint8Array[]): string[] {
  if (numkeysAt1.has(meta.name)) return numkeysKeys(argv, 1);
  if (numkeysAt2.has(meta.name)) return numkeysKeys(argv, 2);
  if (meta.name === 'xread') return streamsKeys(argv);
  if (meta.firstKey <= 0) return [];
  const last = meta.lastKey < 0 ? argv.length + meta.lastKey : Math.min(meta.lastKey, argv.length - 1);
  const keys: string[] = [];
  for (let i = meta.firstKey; i <= last; i += Math.max(1, meta.keyStep)) keys.push(latin1(argv[i]!));
  return keys;
}

function numkeysKeys(argv: readonly Uint8Array[], at: number): string[] {
  const count = at < argv.length ? parseRedisInteger(argv[at]!, 0, argv[at]!.length) : undefined;
  if (count === undefined || count <= 0 || at + count >= argv.length) return [];
  return argv.slice(at + 1, at + 1 + count).map(latin1);
}

/** XREAD ... STREAMS k1 k2 id1 id2: the first half after the first STREAMS (Redis's xreadGetKeys). */
function streamsKeys(argv: readonly Uint8Array[]): string[] {
  for (let i = 1; i < argv.length; i++) {
    if (latin1(argv[i]!).toLowerCase() !== 'streams') continue;
    const rest = argv.length - i - 1;
    if (rest === 0 || rest % 2 !== 0) return [];
    return argv.slice(i + 1, i + 1 + rest / 2).map(latin1);
  }
  return [];
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
