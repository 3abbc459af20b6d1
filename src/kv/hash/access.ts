// How hash commands reach their key: a read finds the hash (or learns the key holds another
// type); a write gets the hash or a new one, which is stored only once the command has changed it,
// so a command that fails never leaves an empty hash behind.

import type { CommandSpec, ExecContext } from '../command-types.js';
import { keyOf } from '../bytes.js';
import { NO_EXPIRY, type KvRecord } from '../db.js';
import { changedInPlace, collectionOf, lookupTyped, lookupTypedForWrite } from '../typed.js';
import { HashValue } from './hash-value.js';

/** The hash at argv[1]; undefined when absent; null when the key holds another type. */
export function readHash(ctx: ExecContext, keyArg: Uint8Array): HashValue | undefined | null {
  const record = lookupTyped(ctx.db, keyOf(keyArg), ctx.nowMs, 'hash');
  if (record === undefined || record === null) return record;
  return collectionOf<HashValue>(record);
}

/** A hash a write command works on: the stored one (`record` set) or a new one not yet stored. */
export interface HashWrite {
  readonly key: string;
  readonly record: KvRecord | undefined;
  readonly hash: HashValue;
}

/** The hash to write at argv[1], a new empty one when absent; null when the key holds another type. */
export function hashForWrite(ctx: ExecContext, keyArg: Uint8Array): HashWrite | null {
  const key = keyOf(keyArg);
  const record = lookupTypedForWrite(ctx.db, key, ctx.nowMs, 'hash');
  if (record === null) return null;
  return { key, record, hash: record === undefined ? new HashValue() : collectionOf<HashValue>(record) };
}

/** Stores a new hash, or marks a stored one as modified (and drops it when empty); raises `event`. */
export function commitWrite(ctx: ExecContext, write: HashWrite, event: string): void {
  if (write.record === undefined) {
    if (write.hash.size === 0) return;
    ctx.db.setCollection(write.key, write.hash, NO_EXPIRY);
    ctx.db.notify('h', event, write.key);
    return;
  }
  changedInPlace(ctx.db, write.key, write.record, 'h', event);
}

/** The key positions every hash command shares: one key, at argv[1]. */
export const HASH_KEY: Pick<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep' | 'group'> = {
  firstKey: 1, lastKey: 1, keyStep: 1, group: 'hash',
};
