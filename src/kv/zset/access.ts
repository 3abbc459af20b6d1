// What the sorted-set commands share: finding a key's zset for reading or writing (null means
// WRONGTYPE), storing a fresh one, and the replies members and scores make.

import type { Reply } from '../../lib/reply.js';
import { Buffer } from 'node:buffer';
import { keyBytes, keyOf } from '../bytes.js';
import type { ExecContext } from '../command-types.js';
import type { NodeBuffer } from '../reader.js';
import { changedInPlace, collectionOf, lookupTyped, lookupTypedForWrite, storeResult } from '../typed.js';
import type { ZSet } from './zset.js';

export const EMPTY_ARRAY: Reply = Object.freeze({ type: 'array', items: [] });
export const NULL_ARRAY: Reply = Object.freeze({ type: 'nullArray' });

/** The zset at a key for reading: undefined when absent, null when the key holds another type. */
export function readZSet(ctx: ExecContext, keyArg: Uint8Array): ZSet | undefined | null {
  const record = lookupTyped(ctx.db, keyOf(keyArg), ctx.nowMs, 'zset');
  return record === undefined || record === null ? record : collectionOf<ZSet>(record);
}

/** The zset at a key for writing (an expired key is removed first). */
export function writeZSet(ctx: ExecContext, key: string): ZSet | undefined | null {
  const record = lookupTypedForWrite(ctx.db, key, ctx.nowMs, 'zset');
  return record === undefined || record === null ? record : collectionOf<ZSet>(record);
}

/** After an in-place change: a modification for WATCH, the command's `event`, and an emptied zset deletes its key (`del`). */
export function changedZSet(ctx: ExecContext, key: string, event: string): void {
  const record = ctx.db.peek(key);
  if (record !== undefined) changedInPlace(ctx.db, key, record, 'z', event);
}

/** Stores `z` at `key` (replacing anything there, raising `event`), or deletes the key when `z` is empty (the *STORE commands). */
export function storeZSet(ctx: ExecContext, key: string, z: ZSet, event: string): void {
  storeResult(ctx.db, ctx.nowMs, key, z, 'z', event);
}

const CONS_CHARS_MIN = 13;

/**
 * A member as a flat latin1 string. keyOf builds short strings by concatenation, which V8 keeps as
 * a chain (a "cons string") from 13 characters on: flattened again on every hash, and 32 bytes
 * more per member held. A latin1 slice of the bytes is one flat string.
 */
export function memberOf(bytes: Uint8Array): string {
  if (bytes.length < CONS_CHARS_MIN) return keyOf(bytes);
  return (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) as NodeBuffer).latin1Slice(0, bytes.length);
}

export function memberReply(member: string): Reply {
  return { type: 'bulk', value: keyBytes(member) };
}

export function scoreReply(score: number): Reply {
  return { type: 'double', value: score };
}

/** Members, or member/score pairs (flat in RESP2, [member, score] arrays in RESP3). */
export function membersReply(members: readonly string[], scores: readonly number[] | undefined): Reply {
  if (scores === undefined) return { type: 'array', items: members.map(memberReply) };
  return { type: 'pairs', entries: members.map((m, i) => [memberReply(m), scoreReply(scores[i] as number)] as const) };
}
