// Shared by the set commands: find a key's set (or learn it holds another type), and turn members
// (latin1 strings) into reply elements.

import type { Reply } from '../../lib/reply.js';
import { keyBytes } from '../bytes.js';
import type { ExecContext } from '../command-types.js';
import type { KvRecord } from '../db.js';
import { collectionOf, lookupTyped, lookupTypedForWrite } from '../typed.js';
import type { SetValue } from './set-value.js';

/** The set at `key`: undefined when absent, null when the key holds another type. */
export function readSet(ctx: ExecContext, key: string): SetValue | undefined | null {
  const record = lookupTyped(ctx.db, key, ctx.nowMs, 'set');
  return record === undefined || record === null ? record : collectionOf<SetValue>(record);
}

/** As readSet for a write (an expired key is removed first), with the record to mark changed. */
export function writeSet(ctx: ExecContext, key: string): KvRecord | undefined | null {
  return lookupTypedForWrite(ctx.db, key, ctx.nowMs, 'set');
}

export function memberReply(member: string): Reply {
  return { type: 'bulk', value: keyBytes(member) };
}

/** A RESP3 set (an array in RESP2) of members. */
export function setReply(members: readonly string[]): Reply {
  return { type: 'set', items: members.map(memberReply) };
}

/** Every member of a set in its iteration order, as a RESP3 set. */
export function wholeSetReply(set: SetValue): Reply {
  const items: Reply[] = [];
  set.forEach((member) => items.push(memberReply(member)));
  return { type: 'set', items };
}

export const EMPTY_SET: Reply = Object.freeze({ type: 'set', items: [] });
export const EMPTY_ARRAY: Reply = Object.freeze({ type: 'array', items: [] });
