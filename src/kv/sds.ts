// A model of how Redis 7.0 allocates a string's bytes (sds.c on jemalloc), so that MEMORY USAGE
// answers what redis-server would and APPEND / SETRANGE keep the same spare room Redis keeps: the
// header by length (sdsReqType), jemalloc's size classes, sdsnewlen taking the whole usable size,
// and sdsMakeRoomFor's growth (greedy: double below 1 MiB, else add 1 MiB).

import { assert } from '../lib/assert.js';

/** jemalloc's quantum on x86-64: classes are multiples of it up to 128 bytes. */
const QUANTUM_BYTES = 16;
/** SDS_MAX_PREALLOC. */
const PREALLOC_BYTES_MAX = 1024 * 1024;

/** The size class jemalloc gives a request of `bytes`: 8, 16, 32 ... 128, then four per doubling. */
export function allocationBytes(bytes: number): number {
  assert(bytes >= 0, 'an allocation is not negative');
  if (bytes <= 8) return 8;
  if (bytes <= 128) return Math.ceil(bytes / QUANTUM_BYTES) * QUANTUM_BYTES;
  const spacing = 2 ** (Math.floor(Math.log2(bytes - 1)) - 2);
  return Math.ceil(bytes / spacing) * spacing;
}

/** The sdshdr size for `length` bytes; type 5 (no room field) only where sdsnewlen chooses it. */
export function sdsHeaderBytes(length: number, allowType5: boolean): number {
  if (length < 32 && allowType5 && length > 0) return 1;
  if (length < 256) return 3;
  if (length < 65_536) return 5;
  return length < 2 ** 32 ? 9 : 17;
}

/** The most bytes a header of this size can describe (sdsTypeMaxSize). */
function headerCapacityMax(headerBytes: number): number {
  return headerBytes === 3 ? 255 : headerBytes === 5 ? 65_535 : headerBytes === 9 ? 2 ** 32 - 1 : Number.MAX_SAFE_INTEGER;
}

/** Room after the bytes of a string sdsnewlen just made for `length` bytes (none for type 5). */
export function createdSpareBytes(length: number): number {
  const header = sdsHeaderBytes(length, true);
  if (header === 1) return 0;
  const usable = allocationBytes(header + length + 1) - header - 1;
  return Math.min(usable, headerCapacityMax(header)) - length;
}

/**
 * The capacity sdsMakeRoomFor gives a string growing to `length` bytes: greedy (APPEND) doubles it
 * or adds 1 MiB; not greedy (SETRANGE's sdsgrowzero in 7.0) asks for just the length.
 */
export function grownCapacityBytes(length: number, greedy: boolean): number {
  const wanted = !greedy ? length : length < PREALLOC_BYTES_MAX ? length * 2 : length + PREALLOC_BYTES_MAX;
  const header = sdsHeaderBytes(wanted, false);
  const usable = allocationBytes(header + wanted + 1) - header - 1;
  return Math.min(usable, headerCapacityMax(header));
}

/** The bytes jemalloc holds for an sds of `capacity` bytes (zmalloc_size of its allocation). */
export function sdsAllocationBytes(capacity: number, allowType5: boolean): number {
  return allocationBytes(sdsHeaderBytes(capacity, allowType5) + capacity + 1);
}
