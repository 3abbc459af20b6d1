// The incremental request parser: turns the bytes a client sends into commands (arrays of bulk
// strings, or inline lines) exactly as Redis accepts them. It keeps its offset and resumable
// state across reads, answers "need more" without throwing, hands out subarray views into the
// received bytes, and joins the pieces of a partial frame once, when enough bytes have arrived.
// Every size is capped; a violation is a protocol error carrying Redis's text.

import { assert } from '../lib/assert.js';
import { splitInlineArgs } from './inline.js';

export interface ParserLimits {
  /** Longest inline request or count line without a newline (Redis PROTO_INLINE_MAX_SIZE). */
  readonly inlineMaxBytes: number;
  /** Largest bulk string (Redis proto-max-bulk-len). */
  readonly bulkMaxBytes: number;
  /** Most arguments in one command (Redis: INT_MAX). */
  readonly multibulkMaxCount: number;
  /** Bytes a connection may have buffered before it is closed (Redis client-query-buffer-limit). */
  readonly queryBufferMaxBytes: number;
}

export const defaultParserLimits: ParserLimits = Object.freeze({
  inlineMaxBytes: 64 * 1024,
  bulkMaxBytes: 512 * 1024 * 1024,
  multibulkMaxCount: 2_147_483_647,
  queryBufferMaxBytes: 1024 * 1024 * 1024,
});

/** Redis's stricter caps before a client has authenticated. */
export const unauthenticatedMultibulkMaxCount = 10;
export const unauthenticatedBulkMaxBytes = 16 * 1024;

export type ParseResult =
  | { readonly kind: 'command'; readonly argv: Buffer[] }
  | { readonly kind: 'needMore' }
  /** A protocol error: reply `-ERR Protocol error: <message>` and close. */
  | { readonly kind: 'error'; readonly message: string }
  /** The buffered bytes exceed the query buffer limit: close without a reply, as Redis does. */
  | { readonly kind: 'overflow' };

const needMore: ParseResult = Object.freeze({ kind: 'needMore' });
const asterisk = 0x2a;
const dollar = 0x24;
const cr = 0x0d;
const lf = 0x0a;
const empty = Buffer.alloc(0);
/** The longest decimal a count or length line may hold (string2ll accepts up to 20 digits). */
const numberDigitsMax = 20;
/** The fast path reads counts and lengths of at most this many digits; longer ones take the checked path. */
const plainDigitsMax = 9;

export class RequestParser {
  private buffer: Buffer = empty;
  private offset = 0;
  /** Chunks received while a frame was incomplete, joined once enough bytes are here. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingHasLineEnd = false;
  /** The last parse stopped for lack of bytes; until then, new chunks are joined at once. */
  private waiting = false;
  /** While waiting: bytes that must be available before parsing can progress; 0 means "a line end". */
  private waitBytes = 0;
  // Resumable multibulk state: arguments still to read, the ones read, the next bulk's length.
  private argsLeft = 0;
  private argv: Buffer[] = [];
  private bulkLength = -1;
  /** Before AUTH, Redis caps counts and bulk lengths much lower. */
  authenticated = true;

  constructor(private readonly limits: ParserLimits = defaultParserLimits) {
    assert(limits.inlineMaxBytes > 0, 'inlineMaxBytes must be positive');
    assert(limits.queryBufferMaxBytes >= limits.inlineMaxBytes, 'query buffer must hold an inline request');
  }

  /** Bytes received and not yet consumed by a complete command. */
  get bufferedBytes(): number {
    return this.buffer.length - this.offset + this.pendingBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.offset >= this.buffer.length && this.pendingBytes === 0) {
      this.buffer = chunk;
      this.offset = 0;
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (!this.pendingHasLineEnd) this.pendingHasLineEnd = chunk.includes(lf) || chunk.includes(cr);
  }

  /** The next complete command, or why there is none. Call until it answers needMore. */
  next(): ParseResult {
    if (this.bufferedBytes > this.limits.queryBufferMaxBytes) return { kind: 'overflow' };
    if (this.pendingBytes > 0) {
      if (this.waiting && !this.readyToJoin()) return needMore;
      this.join();
    }
    this.waiting = false;
    if (this.argsLeft > 0) return this.continueMultibulk();
    // Empty commands (a bare newline, "*0", "*-1") are skipped; each pass consumes bytes.
    while (this.offset < this.buffer.length) {
      const result = this.buffer[this.offset] === asterisk ? this.startMultibulk() : this.parseInline();
      if (result !== undefined) return result;
    }
    this.release();
    return needMore;
  }

  private readyToJoin(): boolean {
    if (this.waitBytes > 0) return this.buffer.length - this.offset + this.pendingBytes >= this.waitBytes;
    // A line end arrived, or enough bytes that a too-long line must be reported.
    return this.pendingHasLineEnd || this.bufferedBytes > this.limits.inlineMaxBytes;
  }

  private join(): void {
    const parts = [this.buffer.subarray(this.offset), ...this.pending];
    this.buffer = Buffer.concat(parts, this.bufferedBytes);
    this.offset = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingHasLineEnd = false;
    this.waiting = false;
    this.waitBytes = 0;
  }

  /** Drops the reference to a fully consumed buffer so its memory can go. */
  private release(): void {
    assert(this.offset >= this.buffer.length, 'release only a consumed buffer');
    this.buffer = empty;
    this.offset = 0;
  }

  private parseInline(): ParseResult | undefined {
    const lineEnd = findByte(this.buffer, this.offset, lf);
    if (lineEnd < 0) {
      if (this.buffer.length - this.offset > this.limits.inlineMaxBytes) {
        return protocolError('too big inline request');
      }
      return this.wait(0);
    }
    let end = lineEnd;
    if (end > this.offset && this.buffer[end - 1] === cr) end--;
    const args = splitInlineArgs(this.buffer.subarray(this.offset, end));
    this.offset = lineEnd + 1;
    if (args === undefined) return protocolError('unbalanced quotes in request');
    if (args.length === 0) return undefined;
    return { kind: 'command', argv: args };
  }

  private startMultibulk(): ParseResult | undefined {
    if (this.authenticated) {
      const whole = this.wholeMultibulk();
      if (whole !== undefined) return whole;
    }
    const line = this.readLine('too big mbulk count string');
    if (line.kind !== 'line') return line.result;
    const count = parseRedisInteger(this.buffer, line.start + 1, line.end);
    if (count === undefined || count > this.limits.multibulkMaxCount) {
      return protocolError('invalid multibulk length');
    }
    if (!this.authenticated && count > unauthenticatedMultibulkMaxCount) {
      return protocolError('unauthenticated multibulk length');
    }
    if (count <= 0) return undefined;
    this.argsLeft = count;
    this.argv = [];
    this.bulkLength = -1;
    return this.continueMultibulk();
  }

  /**
   * The common case in one pass with locals: a well-formed command whose bytes are all buffered
   * (plain digits, no leading zeros, within the limits). Anything else, including a command cut
   * short, answers undefined without consuming a byte, and the resumable path below decides.
   */
  private wholeMultibulk(): ParseResult | undefined {
    const buffer = this.buffer;
    const end = buffer.length;
    let at = this.offset + 1;
    const count = plainNumberAt(buffer, at);
    if (count <= 0 || count > this.limits.multibulkMaxCount) return undefined;
    at += decimalDigits(count) + 2;
    const argv: Buffer[] = [];
    // Each pass reads one whole argument; count bounds the loop.
    for (let left = count; left > 0; left--) {
      if (at >= end || buffer[at] !== dollar) return undefined;
      const length = plainNumberAt(buffer, at + 1);
      if (length < 0 || length > this.limits.bulkMaxBytes) return undefined;
      const start = at + 1 + decimalDigits(length) + 2;
      if (start + length + 2 > end) return undefined;
      argv.push(buffer.subarray(start, start + length));
      at = start + length + 2;
    }
    assert(at <= end, 'a whole command ends inside the buffer');
    this.offset = at;
    return { kind: 'command', argv };
  }

  private continueMultibulk(): ParseResult {
    // Each pass reads one argument or returns; argsLeft bounds the loop.
    while (this.argsLeft > 0) {
      if (this.bulkLength < 0) {
        const header = this.readBulkHeader();
        if (header !== undefined) return header;
      }
      const frameBytes = this.bulkLength + 2;
      if (this.buffer.length - this.offset < frameBytes) return this.wait(frameBytes);
      // Like Redis, the two bytes after the data are skipped without checking they are CRLF.
      this.argv.push(this.buffer.subarray(this.offset, this.offset + this.bulkLength));
      this.offset += frameBytes;
      this.bulkLength = -1;
      this.argsLeft--;
    }
    const argv = this.argv;
    this.argv = [];
    assert(argv.length > 0, 'a multibulk command has at least one argument');
    return { kind: 'command', argv };
  }

  /** Reads "$<length>\r\n" into bulkLength; returns a result when it cannot. */
  private readBulkHeader(): ParseResult | undefined {
    const line = this.readLine('too big bulk count string');
    if (line.kind !== 'line') return line.result;
    const first = this.buffer[line.start]!;
    if (first !== dollar) {
      return protocolError(`expected '$', got '${String.fromCharCode(first)}'`);
    }
    const length = parseRedisInteger(this.buffer, line.start + 1, line.end);
    if (length === undefined || length < 0 || length > this.limits.bulkMaxBytes) {
      return protocolError('invalid bulk length');
    }
    if (!this.authenticated && length > unauthenticatedBulkMaxBytes) {
      return protocolError('unauthenticated bulk length');
    }
    this.bulkLength = length;
    return undefined;
  }

  /**
   * Finds the CR that ends a count line the way Redis does: the line ends at the first CR, and
   * the byte after it is skipped unchecked. Consumes the line when it is complete.
   */
  private readLine(tooBig: string): { kind: 'line'; start: number; end: number } | { kind: 'stop'; result: ParseResult } {
    const start = this.offset;
    const crAt = findByte(this.buffer, start, cr);
    if (crAt < 0) {
      if (this.buffer.length - start > this.limits.inlineMaxBytes) return { kind: 'stop', result: protocolError(tooBig) };
      return { kind: 'stop', result: this.wait(0) };
    }
    if (crAt + 2 > this.buffer.length) return { kind: 'stop', result: this.wait(crAt + 2 - start) };
    this.offset = crAt + 2;
    return { kind: 'line', start, end: crAt };
  }

  private wait(bytes: number): ParseResult {
    assert(bytes >= 0, 'wait for a non-negative byte count');
    this.waiting = true;
    this.waitBytes = bytes;
    return needMore;
  }
}

function protocolError(message: string): ParseResult {
  return { kind: 'error', message: `Protocol error: ${message}` };
}

/**
 * Finds `byte` from `from` the way C's strchr does on Redis's query buffer: a NUL byte before it
 * means "not found yet" (-2); the end of the buffer, -1. One pass, no allocation: the lines
 * searched are count lines and inline commands, bounded by inlineMaxBytes.
 */
function findByte(buffer: Buffer, from: number, byte: number): number {
  const end = buffer.length;
  for (let at = from; at < end; at++) {
    const value = buffer[at];
    if (value === byte) return at;
    if (value === 0) return -2;
  }
  return -1;
}

/** Plain digits with no leading zero (or a lone "0") followed by CR, as a number below 10^9; -1 when not that. */
function plainNumberAt(buffer: Uint8Array, from: number): number {
  const end = Math.min(buffer.length, from + plainDigitsMax + 1);
  if (buffer[from] === 0x30) return from + 1 < buffer.length && buffer[from + 1] === cr ? 0 : -1;
  let value = 0;
  for (let at = from; at < end; at++) {
    const byte = buffer[at]!;
    if (byte === cr) return at > from ? value : -1;
    const digit = byte - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return -1;
}

/** Digits in a number below 10^9 as plainNumberAt read it. */
function decimalDigits(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/** Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, fits in 64 bits. */
export function parseRedisInteger(buffer: Uint8Array, start: number, end: number): number | undefined {
  const length = end - start;
  if (length <= 0 || length > numberDigitsMax) return undefined;
  let index = start;
  const negative = buffer[index] === 0x2d;
  if (negative) {
    index++;
    if (index === end) return undefined;
  }
  if (buffer[index] === 0x30) return end - index === 1 && !negative ? 0 : undefined;
  let value = 0;
  for (; index < end; index++) {
    const digit = buffer[index]! - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  // Lengths this large are rejected by the caps anyway; precision loss above 2^53 cannot matter.
  return negative ? -value : value;
}
