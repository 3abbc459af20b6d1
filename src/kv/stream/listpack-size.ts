// The byte sizes Redis's listpack would give a stream node, so Cairn cuts its chunks where Redis
// cuts its radix-tree nodes (stream-node-max-bytes 4096, stream-node-max-entries 100): approximate
// trimming (MAXLEN ~) removes whole nodes, and XINFO reports their number, so both depend on it.
// Only sizes are computed here (listpack.c's lpEncodeGetType and lpEncodeBacklen), never bytes.

import { parseInt64 } from '../args.js';

/** Redis's stream-node-max-bytes default. */
export const NODE_BYTES_MAX = 4096;
/** Redis's stream-node-max-entries default (live and deleted entries together). */
export const NODE_ENTRIES_MAX = 100;
/** A listpack's header (total bytes, element count) and end byte. */
export const LISTPACK_OVERHEAD_BYTES = 7;

/** Bytes of an integer element's encoding, without its back-length. */
function intEncodingBytes(value: bigint): number {
  if (value >= 0n && value <= 127n) return 1;
  if (value >= -4096n && value <= 4095n) return 2;
  if (value >= -32768n && value <= 32767n) return 3;
  if (value >= -8388608n && value <= 8388607n) return 4;
  if (value >= -2147483648n && value <= 2147483647n) return 5;
  return 9;
}

/** lpEncodeBacklen: bytes that store an element's length for backward walks. */
function backlenBytes(encodingBytes: number): number {
  if (encodingBytes <= 127) return 1;
  if (encodingBytes < 16383) return 2;
  if (encodingBytes < 2097151) return 3;
  if (encodingBytes < 268435455) return 4;
  return 5;
}

function withBacklen(encodingBytes: number): number {
  return encodingBytes + backlenBytes(encodingBytes);
}

/** Bytes of an integer element (counts, flags, ID deltas). */
export function intElementBytes(value: bigint | number): number {
  if (typeof value === 'number' && value >= 0 && value <= 127) return 2;
  return withBacklen(intEncodingBytes(BigInt(value)));
}

/** Bytes of a field or value element: integers that fit are stored as integers. */
export function stringElementBytes(text: string): number {
  const length = text.length;
  // Only a string opening with a digit or '-' can be an integer: others skip the byte copy.
  const first = text.charCodeAt(0);
  if (length > 0 && length <= 20 && ((first >= 0x30 && first <= 0x39) || first === 0x2d)) {
    const asInt = parseInt64(Buffer.from(text, 'latin1'));
    if (asInt !== undefined) return withBacklen(intEncodingBytes(asInt));
  }
  if (length < 64) return withBacklen(1 + length);
  if (length < 4096) return withBacklen(2 + length);
  return withBacklen(5 + length);
}

/** The signed 64-bit difference Redis stores for an ID part relative to the node's master ID. */
export function deltaOf(value: bigint, master: bigint): bigint {
  return BigInt.asIntN(64, value - master);
}

/** Bytes of a new node's master entry: count, deleted, field count, the fields, a zero terminator. */
export function masterEntryBytes(fields: readonly string[]): number {
  let bytes = LISTPACK_OVERHEAD_BYTES + intElementBytes(1) + intElementBytes(0) + intElementBytes(fields.length) + intElementBytes(0);
  for (const field of fields) bytes += stringElementBytes(field);
  return bytes;
}

/**
 * Bytes one entry adds to a node: flags, the ID deltas, the field count and fields unless they are
 * the master's, the values, and the element count that lets Redis walk backwards.
 */
export function entryBytes(msDelta: bigint, seqDelta: bigint, pairs: readonly string[], sameFields: boolean): number {
  const fieldCount = pairs.length / 2;
  let bytes = intElementBytes(sameFields ? 2 : 0) + intElementBytes(msDelta) + intElementBytes(seqDelta);
  if (!sameFields) bytes += intElementBytes(fieldCount);
  for (let i = 0; i < pairs.length; i += 2) {
    if (!sameFields) bytes += stringElementBytes(pairs[i] as string);
    bytes += stringElementBytes(pairs[i + 1] as string);
  }
  const elementCount = fieldCount + 3 + (sameFields ? 0 : fieldCount + 1);
  return bytes + intElementBytes(elementCount);
}

/** The raw length of an entry's fields and values (Redis's totelelen). */
export function rawPairsBytes(pairs: readonly string[]): number {
  let bytes = 0;
  for (const text of pairs) bytes += text.length;
  return bytes;
}
