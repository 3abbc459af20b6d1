// Hash commands that only read: HGET, HMGET, HGETALL, HKEYS, HVALS, HLEN, HEXISTS, HSTRLEN.
// Replies list fields in the hash's order (a listpack's insertion order, as Redis's).

import { NULL, integerReply, type Reply } from '../../lib/reply.js';
import { keyBytes, keyOf } from '../bytes.js';
import { WRONGTYPE } from '../collection.js';
import type { ExecContext } from '../command-types.js';
import { readHash } from './access.js';

const ZERO = integerReply(0);
const ONE = integerReply(1);
export const EMPTY_ARRAY: Reply = Object.freeze({ type: 'array', items: [] });
const EMPTY_MAP: Reply = Object.freeze({ type: 'map', entries: [] });

export function bulkOf(text: string): Reply {
  return { type: 'bulk', value: keyBytes(text) };
}

export function hget(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  const value = hash?.get(keyOf(argv[2] as Uint8Array));
  return value === undefined ? NULL : bulkOf(value);
}

export function hmget(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  const items: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const value = hash?.get(keyOf(argv[i] as Uint8Array));
    items.push(value === undefined ? NULL : bulkOf(value));
  }
  return { type: 'array', items };
}

export function hgetall(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  if (hash === undefined) return EMPTY_MAP;
  const entries: [Reply, Reply][] = [];
  for (const [field, value] of hash.entries()) entries.push([bulkOf(field), bulkOf(value)]);
  return { type: 'map', entries };
}

/** HKEYS (`which` 0) or HVALS (1). */
export function hkeysOrVals(which: 0 | 1) {
  return (ctx: ExecContext, argv: readonly Uint8Array[]): Reply => {
    const hash = readHash(ctx, argv[1] as Uint8Array);
    if (hash === null) return WRONGTYPE;
    if (hash === undefined) return EMPTY_ARRAY;
    const items: Reply[] = [];
    for (const entry of hash.entries()) items.push(bulkOf(entry[which]));
    return { type: 'array', items };
  };
}

export function hlen(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  return integerReply(hash?.size ?? 0);
}

export function hexists(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  return hash?.has(keyOf(argv[2] as Uint8Array)) === true ? ONE : ZERO;
}

export function hstrlen(ctx: ExecContext, argv: readonly Uint8Array[]): Reply {
  const hash = readHash(ctx, argv[1] as Uint8Array);
  if (hash === null) return WRONGTYPE;
  return integerReply(hash?.get(keyOf(argv[2] as Uint8Array))?.length ?? 0);
}
