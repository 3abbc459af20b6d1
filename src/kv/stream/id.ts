// Stream entry IDs: `<ms>-<seq>`, two unsigned 64-bit numbers (held as bigints: explicit IDs use
// the whole range). Parsing follows Redis's streamGenericParseIDOrReply exactly, string2ull's
// strtoull fallback included, and `idKey` gives the 16-byte big-endian form (as a latin1 string)
// whose string order is ID order, which the pending-entries lists index by.

import { errorReply, type Reply } from '../../lib/reply.js';
import { parseInt64 } from '../args.js';

export interface StreamId {
  readonly ms: bigint;
  readonly seq: bigint;
}

export const UINT64_MAX = (1n << 64n) - 1n;
export const ZERO_ID: StreamId = Object.freeze({ ms: 0n, seq: 0n });
export const MAX_ID: StreamId = Object.freeze({ ms: UINT64_MAX, seq: UINT64_MAX });

export const ERR_INVALID_ID = errorReply('ERR Invalid stream ID specified as stream command argument');

/** Redis copies an ID argument into a 128-byte buffer: longer ones are invalid. */
const ID_TEXT_BYTES_MAX = 127;

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function isZeroId(id: StreamId): boolean {
  return id.ms === 0n && id.seq === 0n;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The next ID, or undefined past the last one (Redis's streamIncrID wrapping to 0-0). */
export function incrId(id: StreamId): StreamId | undefined {
  if (id.seq !== UINT64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  if (id.ms === UINT64_MAX) return undefined;
  return { ms: id.ms + 1n, seq: 0n };
}

/** The previous ID, or undefined before 0-0. */
export function decrId(id: StreamId): StreamId | undefined {
  if (id.seq !== 0n) return { ms: id.ms, seq: id.seq - 1n };
  if (id.ms === 0n) return undefined;
  return { ms: id.ms - 1n, seq: UINT64_MAX };
}

/** The 16-byte big-endian form of an ID as a latin1 string: comparing keys compares IDs. */
export function idKey(id: StreamId): string {
  return u64Chars(id.ms) + u64Chars(id.seq);
}

function u64Chars(value: bigint): string {
  const hi = Number(value >> 32n);
  const lo = Number(value & 0xffffffffn);
  return String.fromCharCode(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

/** The ID an idKey names. */
export function keyId(key: string): StreamId {
  return { ms: charsU64(key, 0), seq: charsU64(key, 8) };
}

function charsU64(key: string, at: number): bigint {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 4; i++) hi = hi * 256 + key.charCodeAt(at + i);
  for (let i = 4; i < 8; i++) lo = lo * 256 + key.charCodeAt(at + i);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** What an ID argument says: the ID, and whether the sequence was given (false for `<ms>-*`). */
export interface ParsedId {
  readonly id: StreamId;
  readonly seqGiven: boolean;
}

export interface IdParseOptions {
  /** The sequence of an ID given as `<ms>` alone. */
  readonly missingSeq: bigint;
  /** `-` and `+` are refused (they stand for the smallest and largest IDs otherwise). */
  readonly strict: boolean;
  /** `<ms>-*` is accepted (XADD). */
  readonly seqStar?: boolean;
}

/** streamGenericParseIDOrReply: undefined when the argument is not an ID. */
export function parseId(bytes: Uint8Array, options: IdParseOptions): ParsedId | undefined {
  if (bytes.length > ID_TEXT_BYTES_MAX) return undefined;
  const text = cString(bytes);
  if (options.strict && (text === '-' || text === '+')) return undefined;
  if (text === '-') return { id: ZERO_ID, seqGiven: true };
  if (text === '+') return { id: MAX_ID, seqGiven: true };
  const dash = text.indexOf('-');
  const ms = parseUint64(dash === -1 ? text : text.slice(0, dash));
  if (ms === undefined) return undefined;
  if (dash === -1) return { id: { ms, seq: options.missingSeq }, seqGiven: true };
  const seqText = text.slice(dash + 1);
  if (options.seqStar === true && seqText === '*') return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = parseUint64(seqText);
  return seq === undefined ? undefined : { id: { ms, seq }, seqGiven: true };
}

/** A strict ID (no `-`/`+`, no `<ms>-*`) with an implied sequence of 0, or undefined. */
export function parseStrictId(bytes: Uint8Array): StreamId | undefined {
  return parseId(bytes, { missingSeq: 0n, strict: true })?.id;
}

/**
 * A range bound (XRANGE, XPENDING, XAUTOCLAIM): `(` makes it exclusive, in which case `-`/`+`
 * are refused. Undefined when it is not an ID.
 */
export function parseIntervalId(bytes: Uint8Array, missingSeq: bigint): { id: StreamId; exclusive: boolean } | undefined {
  const exclusive = bytes.length > 1 && bytes[0] === 0x28;
  const parsed = exclusive
    ? parseId(bytes.subarray(1), { missingSeq, strict: true })
    : parseId(bytes, { missingSeq, strict: false });
  return parsed === undefined ? undefined : { id: parsed.id, exclusive };
}

/** An argument as C sees it: up to its first NUL byte, one char per byte. */
export function cString(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length && bytes[i] !== 0; i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}

const SPACE_CHARS = ' \t\n\v\f\r';

/**
 * Redis's string2ull: a strict 64-bit integer that is not negative, else strtoull's reading
 * (leading spaces, a sign, leading zeros; a minus wraps modulo 2^64; the whole text must be used).
 */
export function parseUint64(text: string): bigint | undefined {
  const strict = parseInt64(Buffer.from(text, 'latin1'));
  if (strict !== undefined) return strict < 0n ? undefined : strict;
  let at = 0;
  while (at < text.length && SPACE_CHARS.includes(text[at] as string)) at++;
  let negative = false;
  if (text[at] === '+' || text[at] === '-') negative = text[at++] === '-';
  const digits = text.slice(at);
  if (digits.length === 0 || !/^[0-9]+$/.test(digits)) return undefined;
  const magnitude = BigInt(digits);
  if (magnitude > UINT64_MAX) return undefined;
  return negative ? (UINT64_MAX + 1n - magnitude) & UINT64_MAX : magnitude;
}

/** The reply for an ID. */
export function idReply(id: StreamId): Reply {
  return { type: 'bulk', value: Buffer.from(formatId(id), 'latin1') };
}
