// A lossless binary form of Reply values, for the replies a leader sends back to a relaying
// follower: the follower hands its client exactly the Reply the leader's state machine produced,
// encoded in that client's own protocol. RESP3 cannot carry that: it folds a null array and a
// null bulk into one `_`, a bignum into text, a push into an array. Decoding is bounded: every
// count is checked against the bytes left, nesting is capped, and bad input throws CAIRN_CORRUPT.

import { Buffer } from 'node:buffer';
import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import type { Reply } from '../lib/reply.js';

const Tag = {
  nestedMap: 14,
  simple: 0, error: 1, number: 2, bigint: 3, bulk: 4, null: 5, nullArray: 6,
  array: 7, set: 8, map: 9, double: 10, boolean: 11, verbatim: 12, pairs: 13, push: 15, replies: 16,
} as const;

/** Deepest nesting of arrays, sets and maps decoded (kv replies nest two levels at most). */
const depthMax = 32;

export function encodeReplies(replies: readonly Reply[]): Buffer {
  const out = new Writer(4 + replies.reduce((sum, reply) => sum + sizeOf(reply), 0));
  out.u32(replies.length);
  for (const reply of replies) write(out, reply);
  assert(out.offset === out.bytes.length, 'the size pass matches the write pass');
  return out.bytes;
}

export function decodeReplies(bytes: Uint8Array): Reply[] {
  const r = new Reader(bytes);
  const replies = r.list(0);
  if (r.offset !== bytes.length) throw corrupt(`${bytes.length - r.offset} trailing bytes`);
  return replies;
}

function textBytes(text: string): number {
  return 4 + Buffer.byteLength(text, 'utf8');
}

function sizeOf(reply: Reply): number {
  switch (reply.type) {
    case 'simple': return 1 + textBytes(reply.value);
    case 'error': return 1 + textBytes(reply.message);
    case 'integer': return 1 + (typeof reply.value === 'bigint' ? textBytes(reply.value.toString()) : 8);
    case 'bulk': return 1 + 4 + reply.value.length;
    case 'null': case 'nullArray': return 1;
    case 'nestedMap': return 1 + 4 + reply.entries.reduce((sum, [k, v]) => sum + sizeOf(k) + sizeOf(v), 0);
    case 'array': case 'set': case 'push': case 'replies': return 1 + 4 + reply.items.reduce((sum, item) => sum + sizeOf(item), 0);
    case 'map': case 'pairs': return 1 + 4 + reply.entries.reduce((sum, [k, v]) => sum + sizeOf(k) + sizeOf(v), 0);
    case 'double': return 1 + 8;
    case 'boolean': return 1 + 1;
    case 'verbatim': return 1 + textBytes(reply.format) + textBytes(reply.value);
  }
}

function write(out: Writer, reply: Reply): Writer {
  switch (reply.type) {
    case 'simple': return out.tagged(Tag.simple).text(reply.value);
    case 'error': return out.tagged(Tag.error).text(reply.message);
    case 'integer':
      if (typeof reply.value === 'bigint') return out.tagged(Tag.bigint).text(reply.value.toString());
      return out.tagged(Tag.number).f64(reply.value);
    case 'bulk': return out.tagged(Tag.bulk).blob(reply.value);
    case 'null': return out.tagged(Tag.null);
    case 'nullArray': return out.tagged(Tag.nullArray);
    case 'nestedMap':
      out.tagged(Tag.nestedMap).u32(reply.entries.length);
      for (const [k, v] of reply.entries) write(write(out, k), v);
      return out;
    case 'array': case 'set': case 'push': case 'replies':
      out.tagged(Tag[reply.type]).u32(reply.items.length);
      for (const item of reply.items) write(out, item);
      return out;
    case 'map': case 'pairs':
      out.tagged(reply.type === 'map' ? Tag.map : Tag.pairs).u32(reply.entries.length);
      for (const [k, v] of reply.entries) {
        write(out, k);
        write(out, v);
      }
      return out;
    case 'double': return out.tagged(Tag.double).f64(reply.value);
    case 'boolean': return out.tagged(Tag.boolean).u8(reply.value ? 1 : 0);
    case 'verbatim': return out.tagged(Tag.verbatim).text(reply.format).text(reply.value);
  }
}

class Writer {
  readonly bytes: Buffer;
  offset = 0;
  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }
  tagged(tag: number): this {
    return this.u8(tag);
  }
  u8(value: number): this {
    this.offset = this.bytes.writeUInt8(value, this.offset);
    return this;
  }
  u32(value: number): this {
    this.offset = this.bytes.writeUInt32LE(value, this.offset);
    return this;
  }
  f64(value: number): this {
    this.offset = this.bytes.writeDoubleLE(value, this.offset);
    return this;
  }
  blob(value: Uint8Array): this {
    this.u32(value.length);
    this.bytes.set(value, this.offset);
    this.offset += value.length;
    return this;
  }
  text(value: string): this {
    const length = this.bytes.write(value, this.offset + 4, 'utf8');
    this.u32(length);
    this.offset += length;
    return this;
  }
}

function corrupt(why: string): CairnError {
  return new CairnError('CAIRN_CORRUPT', `relayed replies: ${why}`);
}

class Reader {
  private readonly view: Buffer;
  offset = 0;
  constructor(bytes: Uint8Array) {
    this.view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(count: number): void {
    if (count > this.view.length - this.offset) throw corrupt(`${count} bytes wanted at offset ${this.offset}, ${this.view.length - this.offset} left`);
  }
  u8(): number {
    this.need(1);
    return this.view.readUInt8(this.offset++);
  }
  u32(): number {
    this.need(4);
    const value = this.view.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }
  f64(): number {
    this.need(8);
    const value = this.view.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }
  blob(): Buffer {
    const length = this.u32();
    this.need(length);
    const value = Buffer.from(this.view.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }
  text(): string {
    return this.blob().toString('utf8');
  }
  /** A count of items each at least one byte long, so a count cannot claim more than the bytes left. */
  count(bytesPerItem: number): number {
    const count = this.u32();
    this.need(count * bytesPerItem);
    return count;
  }
  list(depth: number): Reply[] {
    if (depth > depthMax) throw corrupt(`nested deeper than ${depthMax}`);
    const count = this.count(1);
    const items: Reply[] = [];
    for (let i = 0; i < count; i++) items.push(this.reply(depth));
    return items;
  }
  reply(depth: number): Reply {
    const tag = this.u8();
    switch (tag) {
      case Tag.simple: return { type: 'simple', value: this.text() };
      case Tag.error: return { type: 'error', message: this.text() };
      case Tag.number: return { type: 'integer', value: this.f64() };
      case Tag.bigint: return { type: 'integer', value: this.bigint() };
      case Tag.bulk: return { type: 'bulk', value: this.blob() };
      case Tag.null: return { type: 'null' };
      case Tag.nullArray: return { type: 'nullArray' };
      case Tag.nestedMap: return { type: 'nestedMap', entries: this.entries(depth + 1) };
      case Tag.array: return { type: 'array', items: this.list(depth + 1) };
      case Tag.set: return { type: 'set', items: this.list(depth + 1) };
      case Tag.push: return { type: 'push', items: this.list(depth + 1) };
      case Tag.replies: return { type: 'replies', items: this.list(depth + 1) };
      case Tag.map: return { type: 'map', entries: this.entries(depth + 1) };
      case Tag.pairs: return { type: 'pairs', entries: this.entries(depth + 1) };
      case Tag.double: return { type: 'double', value: this.f64() };
      case Tag.boolean: return { type: 'boolean', value: this.u8() !== 0 };
      case Tag.verbatim: return { type: 'verbatim', format: this.text(), value: this.text() };
      default: throw corrupt(`unknown reply tag ${tag} at offset ${this.offset - 1}`);
    }
  }
  private bigint(): bigint {
    const text = this.text();
    if (!/^-?\d{1,400}$/.test(text)) throw corrupt(`bad big integer '${text.slice(0, 64)}'`);
    return BigInt(text);
  }
  private entries(depth: number): [Reply, Reply][] {
    if (depth > depthMax) throw corrupt(`nested deeper than ${depthMax}`);
    const count = this.count(2);
    const entries: [Reply, Reply][] = [];
    for (let i = 0; i < count; i++) entries.push([this.reply(depth), this.reply(depth)]);
    return entries;
  }
}
