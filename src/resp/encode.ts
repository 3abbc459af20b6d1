// The RESP reply encoder: turns protocol-independent `Reply` values into RESP2 or RESP3 bytes.
// `ReplyEncoder` appends many replies into one growing buffer (one socket write per pipelined
// batch); `encodeReply` is the one-shot form. RESP3-only types degrade to their RESP2 shapes the
// way Redis does: map → flat array, set → array, double → bulk string, boolean → integer,
// verbatim → bulk string, null → $-1 (or *-1 for a null array), push → array. `replies` is several
// replies written back to back (SUBSCRIBE's one per channel; inside EXEC's array, as Redis, they
// count as one element of its header).

import { assert, unreachable } from '../lib/assert.js';
import { formatDouble } from '../lib/double-text.js';
import type { Reply } from '../lib/reply.js';

export type Protocol = 2 | 3;

/**
 * How deeply a reply nests. Deeper is a bug in whoever built the reply, not a client's doing:
 * encoding asserts it, and reply-parser.ts refuses such a reply as a corrupt stream.
 */
export const replyDepthMax = 64;
const initialBytes = 16 * 1024;
/** A buffer grown past this by a large batch is not kept for the next one. */
const retainedBytesMax = 256 * 1024;
/** Strings up to this length are copied by hand when ASCII; longer ones use Buffer.write. */
const shortTextChars = 64;

export class ReplyEncoder {
  private buffer: Buffer;
  private lengthBytes = 0;
  /** The buffer is lent out (see lend); writing now would change bytes the borrower holds. */
  private lent = false;
  /** The view the last lend handed out, handed out again when the next loan is the same bytes' place. */
  private lastView: Buffer | undefined;
  private lastViewOf: Buffer | undefined;

  constructor(private readonly initialCapacityBytes = initialBytes) {
    assert(Number.isInteger(initialCapacityBytes), 'encoder capacity must be an integer');
    assert(initialCapacityBytes > 0, 'encoder capacity must be positive');
    this.buffer = Buffer.allocUnsafe(initialCapacityBytes);
  }

  get sizeBytes(): number {
    return this.lengthBytes;
  }

  write(reply: Reply, protocol: Protocol): void {
    assert(protocol === 2 || protocol === 3, 'protocol must be 2 or 3');
    this.writeReply(reply, protocol, 0);
  }

  /** Appends bytes that are already RESP (for example a canned reply). */
  writeRaw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.lengthBytes);
    this.lengthBytes += bytes.length;
  }

  /** Hands out everything written so far as a fresh buffer and starts over empty. */
  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.lengthBytes));
    this.lengthBytes = 0;
    return out;
  }

  /**
   * Lends everything written so far as a view of the encoder's own buffer, without copying. The
   * borrower then calls `clear()` once it no longer needs the bytes (the kernel copied them) or
   * `detach()` if it keeps them; the encoder writes nothing until one of the two is called.
   */
  lend(): Buffer {
    assert(!this.lent, 'the previous loan was returned');
    this.lent = true;
    // One reply after another of the same size (every GET of a pipeline-less client): the same view again.
    const view = this.lastView;
    if (view !== undefined && this.lastViewOf === this.buffer && view.length === this.lengthBytes) return view;
    this.lastViewOf = this.buffer;
    return (this.lastView = this.buffer.subarray(0, this.lengthBytes));
  }

  /** Starts over empty in the same buffer (shrunk back if a large batch grew it). */
  clear(): void {
    assert(this.lent, 'clear returns a loan');
    this.lent = false;
    this.lengthBytes = 0;
    if (this.buffer.length > retainedBytesMax) this.buffer = Buffer.allocUnsafe(this.initialCapacityBytes);
  }

  /** Starts over empty in a new buffer: the borrower keeps the old one. */
  detach(): void {
    assert(this.lent, 'detach ends a loan');
    this.lent = false;
    this.lengthBytes = 0;
    this.buffer = Buffer.allocUnsafe(this.initialCapacityBytes);
  }

  private writeReply(reply: Reply, protocol: Protocol, depth: number): void {
    assert(depth <= replyDepthMax, 'reply nested too deeply');
    switch (reply.type) {
      case 'simple':
        return this.line('+', safeLine(reply.value));
      case 'error':
        return this.line('-', safeLine(reply.message));
      case 'integer':
        return this.line(':', integerText(reply.value));
      case 'bulk':
        return this.bulk(reply.value);
      case 'null':
        return this.ascii(protocol === 3 ? '_\r\n' : '$-1\r\n');
      case 'nullArray':
        return this.ascii(protocol === 3 ? '_\r\n' : '*-1\r\n');
      case 'nestedMap':
        return this.nestedMap(reply.entries, protocol, depth);
      case 'array':
        return this.aggregate('*', reply.items, protocol, depth);
      case 'set':
        return this.aggregate(protocol === 3 ? '~' : '*', reply.items, protocol, depth);
      case 'map':
        return this.map(reply.entries, protocol, depth);
      case 'pairs':
        return this.pairs(reply.entries, protocol, depth);
      case 'double':
        if (protocol === 3) return this.line(',', doubleText(reply.value));
        return this.bulk(Buffer.from(doubleText(reply.value), 'latin1'));
      case 'boolean':
        if (protocol === 3) return this.ascii(reply.value ? '#t\r\n' : '#f\r\n');
        return this.ascii(reply.value ? ':1\r\n' : ':0\r\n');
      case 'verbatim':
        return this.verbatim(reply.format, reply.value, protocol);
      case 'push':
        return this.aggregate(protocol === 3 ? '>' : '*', reply.items, protocol, depth);
      case 'replies':
        for (const item of reply.items) this.writeReply(item, protocol, depth);
        return;
      default:
        return unreachable(reply, 'unknown reply type');
    }
  }

  private aggregate(prefix: string, items: readonly Reply[], protocol: Protocol, depth: number): void {
    this.line(prefix, String(items.length));
    for (const item of items) this.writeReply(item, protocol, depth + 1);
  }

  private map(entries: readonly (readonly [Reply, Reply])[], protocol: Protocol, depth: number): void {
    if (protocol === 3) this.line('%', String(entries.length));
    else this.line('*', String(entries.length * 2));
    for (const [key, value] of entries) {
      this.writeReply(key, protocol, depth + 1);
      this.writeReply(value, protocol, depth + 1);
    }
  }

  /** RESP3 nests each pair in an array of two; RESP2 flattens them, as Redis does for HRANDFIELD WITHVALUES. */
  private pairs(entries: readonly (readonly [Reply, Reply])[], protocol: Protocol, depth: number): void {
    this.line('*', String(protocol === 3 ? entries.length : entries.length * 2));
    for (const [first, second] of entries) {
      if (protocol === 3) this.ascii('*2\r\n');
      this.writeReply(first, protocol, depth + 2);
      this.writeReply(second, protocol, depth + 2);
    }
  }

  private verbatim(format: string, value: string, protocol: Protocol): void {
    const body = Buffer.from(value, 'utf8');
    if (protocol === 2) return this.bulk(body);
    assert(format.length === 3, 'verbatim format must be three characters');
    this.line('=', String(body.length + 4));
    this.ascii(`${format}:`);
    this.writeRaw(body);
    this.ascii('\r\n');
  }

  /** RESP3 a map; RESP2 an array of [key, value] arrays, as Redis answers XREAD in each. */
  private nestedMap(entries: readonly (readonly [Reply, Reply])[], protocol: Protocol, depth: number): void {
    if (protocol === 3) return this.map(entries, protocol, depth);
    this.line('*', String(entries.length));
    for (const [key, value] of entries) {
      this.ascii('*2\r\n');
      this.writeReply(key, protocol, depth + 2);
      this.writeReply(value, protocol, depth + 2);
    }
  }

  private bulk(value: Uint8Array): void {
    this.reserve(value.length + 16);
    this.buffer[this.lengthBytes++] = 0x24; // $
    this.asciiUnchecked(String(value.length));
    this.buffer[this.lengthBytes++] = 13;
    this.buffer[this.lengthBytes++] = 10;
    this.buffer.set(value, this.lengthBytes);
    this.lengthBytes += value.length;
    this.buffer[this.lengthBytes++] = 13;
    this.buffer[this.lengthBytes++] = 10;
  }

  private line(prefix: string, text: string): void {
    this.reserve(text.length + 3);
    this.buffer[this.lengthBytes++] = prefix.charCodeAt(0);
    if (!this.asciiIfShort(text)) this.utf8(text);
    this.reserve(2);
    this.buffer[this.lengthBytes++] = 13;
    this.buffer[this.lengthBytes++] = 10;
  }

  private ascii(text: string): void {
    this.reserve(text.length);
    this.asciiUnchecked(text);
  }

  /** Copies a short pure-ASCII string byte by byte (cheaper than Buffer.write for a few bytes). */
  private asciiIfShort(text: string): boolean {
    if (text.length > shortTextChars) return false;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
    this.asciiUnchecked(text);
    return true;
  }

  /** Caller has reserved text.length bytes and knows the text is ASCII. */
  private asciiUnchecked(text: string): void {
    const buffer = this.buffer;
    let at = this.lengthBytes;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.lengthBytes = at;
  }

  private utf8(text: string): void {
    this.reserve(Buffer.byteLength(text, 'utf8'));
    this.lengthBytes += this.buffer.write(text, this.lengthBytes, 'utf8');
  }

  private reserve(extraBytes: number): void {
    assert(!this.lent, 'no writes while the buffer is lent');
    const neededBytes = this.lengthBytes + extraBytes;
    if (neededBytes <= this.buffer.length) return;
    let capacityBytes = this.buffer.length * 2;
    while (capacityBytes < neededBytes) capacityBytes *= 2;
    const grown = Buffer.allocUnsafe(capacityBytes);
    this.buffer.copy(grown, 0, 0, this.lengthBytes);
    this.buffer = grown;
  }
}

/** Encodes one reply on its own. */
export function encodeReply(reply: Reply, protocol: Protocol): Buffer {
  const encoder = new ReplyEncoder(256);
  encoder.write(reply, protocol);
  return encoder.take();
}

/** Formats a double the way Redis 7.0's addReplyDouble does: printf "%.17g", and inf/-inf/nan. */
export const doubleText = formatDouble;

function integerText(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  assert(Number.isInteger(value), 'integer reply must be an integer');
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** Simple strings and errors cannot hold CR or LF: Redis replaces them with spaces. */
function safeLine(text: string): string {
  if (!text.includes('\r') && !text.includes('\n')) return text;
  return text.replace(/[\r\n]/g, ' ');
}
