// Byte helpers for the keyspace: keys are held as latin1 strings (one char per byte, so any byte
// sequence round-trips), command names and options are compared case-insensitively as ASCII.

import { Buffer } from 'node:buffer';

/** The map key for a byte string. */
export function keyOf(bytes: Uint8Array): string {
  return latin1Of(bytes, 0, bytes.length);
}

/** Node's Buffer has latin1Slice (what toString('latin1') calls, minus the argument checks). */
interface Latin1Sliceable extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** Bytes [start, end) of `bytes` as a flat latin1 string (never a rope of one-char concatenations). */
export function latin1Of(bytes: Uint8Array, start: number, end: number): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return (buffer as Latin1Sliceable).latin1Slice(start, end);
}

/** The bytes of a map key. */
export function keyBytes(key: string): Uint8Array {
  return Buffer.from(key, 'latin1');
}

/** ASCII-lowercases a command name or option (other bytes pass through as latin1). */
export function lowerName(bytes: Uint8Array): string {
  let out = '';
  const length = Math.min(bytes.length, 64);
  for (let i = 0; i < length; i++) {
    const c = bytes[i] as number;
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return bytes.length > 64 ? out + '\u0000' : out; // over-long names never match a real one
}

/** Case-insensitive ASCII comparison of an argument with a lowercase option name. */
export function isOption(bytes: Uint8Array, lowercase: string): boolean {
  if (bytes.length !== lowercase.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lowercase.charCodeAt(i)) return false;
  }
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Bytes inside a buffer that the store allocated for itself and never writes to again (log entries
 * copied into recovery's arena): copyBytes keeps them as they are instead of copying each value.
 */
export class StoreOwnedBytes extends Uint8Array {}

/**
 * A private copy, so the store never keeps a view into a caller's (or a log segment's) buffer.
 * StoreOwnedBytes are already private and come back as they are.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  if (bytes instanceof StoreOwnedBytes) return bytes;
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Bytes of a short latin1 text the store keeps (INCR results): a private allocation, never a slice
 * of Buffer's shared pool, so one long-lived counter cannot pin an 8 KiB pool slab.
 */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * User bytes quoted in an error message. Reply messages are strings that the encoder writes as
 * UTF-8, so valid UTF-8 comes back byte for byte; invalid sequences become U+FFFD.
 */
export function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}
