// Score and lex ranges as Redis 7.0 parses and searches them (zslParseRange, zslParseLexRange,
// zsl/zzl First/LastInRange): where a range starts from either end, and whether a pair is inside.
// A listpack is searched linearly as Redis searches it, so lex ranges over mixed scores (where the
// order is not by member) give Redis's answers too; a skiplist is searched by bisection.

import { errorReply, type Reply } from '../../lib/reply.js';
import { parseScoreBound } from './float.js';
import type { ZSet } from './zset.js';

export const ERR_NOT_FLOAT_RANGE: Reply = errorReply('ERR min or max is not a float');
export const ERR_NOT_LEX_RANGE: Reply = errorReply('ERR min or max not valid string range item');

export interface RangeSpec {
  /** zslIsInRange's early test: the bounds alone leave nothing. */
  readonly empty: boolean;
  gteMin(member: string, score: number): boolean;
  lteMax(member: string, score: number): boolean;
}

export function parseScoreRange(minArg: Uint8Array, maxArg: Uint8Array): RangeSpec | undefined {
  const min = parseScoreBound(minArg);
  const max = parseScoreBound(maxArg);
  if (min === undefined || max === undefined) return undefined;
  return {
    empty: min.value > max.value || (min.value === max.value && (min.exclusive || max.exclusive)),
    gteMin: (_m, s) => (min.exclusive ? s > min.value : s >= min.value),
    lteMax: (_m, s) => (max.exclusive ? s < max.value : s <= max.value),
  };
}

/** A lex bound: '-' and '+' are below and above every string; otherwise '(' or '[' and the bytes. */
interface LexBound {
  readonly kind: -1 | 0 | 1;
  readonly value: string;
  readonly exclusive: boolean;
}

function parseLexBound(bytes: Uint8Array): LexBound | undefined {
  const first = bytes[0];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  // Redis tests c[1] != '\0' on the C string: '+' or '-' followed by a NUL is still '+' or '-'.
  if (first === 0x2b || first === 0x2d) return bytes.length === 1 || bytes[1] === 0 ? { kind: first === 0x2d ? -1 : 1, value: '', exclusive: true } : undefined;
  if (first === 0x28 || first === 0x5b) return { kind: 0, value: text.slice(1), exclusive: first === 0x28 };
  return undefined;
}

/** sdscmplex with a plain string on the left. */
function compareLex(value: string, bound: LexBound): number {
  if (bound.kind !== 0) return -bound.kind;
  return value < bound.value ? -1 : value > bound.value ? 1 : 0;
}

export function parseLexRange(minArg: Uint8Array, maxArg: Uint8Array): RangeSpec | undefined {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  if (min === undefined || max === undefined) return undefined;
  // sdscmplex(min, max): the shared '-' / '+' compare equal only to themselves.
  const cmp = min.kind !== 0 || max.kind !== 0
    ? (min.kind === max.kind ? 0 : min.kind === -1 || max.kind === 1 ? -1 : 1)
    : compareLex(min.value, max);
  return {
    empty: cmp > 0 || (cmp === 0 && (min.exclusive || max.exclusive)),
    gteMin: (m) => (min.exclusive ? compareLex(m, min) > 0 : compareLex(m, min) >= 0),
    lteMax: (m) => (max.exclusive ? compareLex(m, max) < 0 : compareLex(m, max) <= 0),
  };
}

/** Whether the first and last pairs leave room for the range (zslIsInRange / zzlIsInRange). */
function inRangeAtAll(z: ZSet, spec: RangeSpec): boolean {
  if (spec.empty || z.size === 0) return false;
  const [lastMember, lastScore] = z.at(z.size - 1);
  if (!spec.gteMin(lastMember, lastScore)) return false;
  const [firstMember, firstScore] = z.at(0);
  return spec.lteMax(firstMember, firstScore);
}

/** Rank of the first pair in range, or -1. */
export function firstInRange(z: ZSet, spec: RangeSpec): number {
  if (!inRangeAtAll(z, spec)) return -1;
  let rank = -1;
  if (z.isListpack) {
    let i = 0;
    z.walk(0, false, (m, s) => (spec.gteMin(m, s) ? false : (i++, true)));
    rank = i;
  } else {
    rank = z.order.countWhile((s, m) => !spec.gteMin(m, s));
  }
  if (rank >= z.size) return -1;
  const [member, score] = z.at(rank);
  return spec.lteMax(member, score) ? rank : -1;
}

/** Rank of the last pair in range, or -1. */
export function lastInRange(z: ZSet, spec: RangeSpec): number {
  if (!inRangeAtAll(z, spec)) return -1;
  let rank = -1;
  if (z.isListpack) {
    let i = z.size - 1;
    z.walk(i, true, (m, s) => (spec.lteMax(m, s) ? false : (i--, true)));
    rank = i;
  } else {
    rank = z.order.countWhile((s, m) => spec.lteMax(m, s)) - 1;
  }
  if (rank < 0) return -1;
  const [member, score] = z.at(rank);
  return spec.gteMin(member, score) ? rank : -1;
}

/** How many pairs from `rank` onwards stay at or below the max (ZCOUNT, ZREMRANGEBY*). */
export function countFrom(z: ZSet, rank: number, spec: RangeSpec): number {
  if (rank < 0) return 0;
  if (!z.isListpack) return Math.max(0, z.order.countWhile((s, m) => spec.lteMax(m, s)) - rank);
  let count = 0;
  z.walk(rank, false, (m, s) => (spec.lteMax(m, s) ? (count++, true) : false));
  return count;
}
