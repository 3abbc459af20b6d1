// COPY source destination [DB index] [REPLACE] (Redis 6.2's copyCommand): a deep copy of any value,
// its expiry included. Cairn has one database: DB 0 is this one, an index outside 0..15 gets Redis's
// error, and any other index is refused until SELECT lands.

import { errorReply, integerReply, type Reply } from '../lib/reply.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64 } from './args.js';
import { isOption, keyOf } from './bytes.js';
import type { CommandSpec, ExecContext } from './command-types.js';
import { StringForm } from './db.js';
import { createdSpareBytes } from './sds.js';

const DATABASES = 16n;
const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const ERR_INT_RANGE = errorReply('ERR value is out of range, value must between -2147483648 and 2147483647');
const ERR_DB_RANGE = errorReply('ERR DB index is out of range');
const ERR_OTHER_DB = errorReply('ERR COPY to a database other than 0 is not supported yet');
const ERR_SAME = errorReply('ERR source and destination objects are the same');
const ZERO = integerReply(0);
const ONE = integerReply(1);

/** The options after the two keys; a Reply when they are wrong, checked in Redis's order. */
function parseOptions(argv: readonly Uint8Array[]): { replace: boolean; db: bigint } | Reply {
  let replace = false;
  let db = 0n;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j] as Uint8Array;
    const index = argv[j + 1];
    if (isOption(option, 'replace')) replace = true;
    else if (isOption(option, 'db') && index !== undefined) {
      const parsed = parseInt64(index);
      if (parsed === undefined) return ERR_NOT_INTEGER;
      if (parsed < INT_MIN || parsed > INT_MAX) return ERR_INT_RANGE;
      if (parsed < 0n || parsed >= DATABASES) return ERR_DB_RANGE;
      db = parsed;
      j++;
    } else return ERR_SYNTAX;
  }
  return { replace, db };
}

function copy(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const options = parseOptions(argv);
  if ('type' in options) return options;
  if (options.db !== 0n) return ERR_OTHER_DB;
  const source = keyOf(argv[1] as Uint8Array);
  const target = keyOf(argv[2] as Uint8Array);
  if (source === target) return ERR_SAME;
  const record = ctx.db.lookupForWrite(source, ctx.nowMs);
  if (record === undefined) return ZERO;
  if (ctx.db.lookupForWrite(target, ctx.nowMs) !== undefined) {
    if (!options.replace) return ZERO;
    ctx.db.remove(target);
  }
  if (record.collection !== null) {
    ctx.db.setCollection(target, record.collection.clone(), record.expireAtMs);
  } else if (record.stringForm !== StringForm.raw) {
    // Values are never written in place below their length, so the copy may share the bytes.
    ctx.db.set(target, record.value, record.expireAtMs, null, 0, record.stringForm === StringForm.encoded ? StringForm.unshared : record.stringForm);
  } else {
    // An edited string is copied with the room a fresh Redis string has (dupStringObject).
    ctx.db.set(target, record.value, record.expireAtMs, null, createdSpareBytes(record.valueBytes), StringForm.raw);
  }
  ctx.db.notify('g', 'copy_to', target);
  return ONE;
}

export const COPY_COMMANDS: readonly CommandSpec[] = [
  { name: 'copy', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, keyStep: 1, group: 'generic', since: '6.2.0',
    summary: 'Copies the value of a key to a new key.', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
    handler: copy },
];
