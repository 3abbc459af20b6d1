// Commands between databases: MOVE (a key to another database, keeping its expiry) and SWAPDB
// (two databases trade places), with Redis 7.0's argument checks and error texts in its order.

import { errorReply, integerReply, OK, type Reply } from '../lib/reply.js';
import { keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { parseDbIndex } from './databases.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);
const ERR_SAME_OBJECT = errorReply('ERR source and destination objects are the same');
const ERR_FIRST_INDEX = errorReply('ERR invalid first DB index');
const ERR_SECOND_INDEX = errorReply('ERR invalid second DB index');

function move(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const target = parseDbIndex(argv[2] as Uint8Array);
  if (typeof target !== 'number') return target;
  if (target === ctx.dbIndex) return ERR_SAME_OBJECT;
  const key = keyOf(argv[1] as Uint8Array);
  const record = ctx.db.lookupForWrite(key, ctx.nowMs);
  if (record === undefined) return ZERO;
  const destination = ctx.databases.get(target);
  if (destination.lookupForWrite(key, ctx.nowMs) !== undefined) return ZERO;
  // The source goes first: a collection is counted in one database at a time (Db.datasetBytes).
  const { value, expireAtMs, collection } = record;
  ctx.db.remove(key);
  destination.set(key, value, expireAtMs, collection);
  ctx.db.notify('g', 'move_from', key);
  destination.notify('g', 'move_to', key);
  return ONE;
}

function swapdb(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const first = parseDbIndex(argv[1] as Uint8Array, ERR_FIRST_INDEX);
  if (typeof first !== 'number') return first;
  const second = parseDbIndex(argv[2] as Uint8Array, ERR_SECOND_INDEX);
  if (typeof second !== 'number') return second;
  if (first === second) return OK;
  ctx.databases.swap(first, second);
  // Cairn's own whole-database events (Redis publishes none): tracking and the change feed hear of it.
  ctx.databases.get(first).notify('*', 'swapdb', '');
  ctx.databases.get(second).notify('*', 'swapdb', '');
  return OK;
}

export const DATABASE_COMMANDS: readonly CommandSpec[] = [
  { name: 'move', arity: 3, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, keyStep: 1, group: 'generic', since: '1.0.0',
    summary: 'Moves a key to another database.', complexity: 'O(1)', handler: move },
  { name: 'swapdb', arity: 3, flags: ['write', 'fast'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '4.0.0',
    summary: 'Swaps two Redis databases.', complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.', handler: swapdb },
];
