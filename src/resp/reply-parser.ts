// The client side of RESP: an incremental parser for server replies (RESP2 and RESP3: simple
// strings, errors, integers, bulk and verbatim strings, nulls, arrays, maps, sets, pushes,
// doubles, booleans, big numbers; attributes are skipped). Used by `cairn cli`, the benchmark and
// the tests. Returns undefined until a whole reply has arrived; malformed input throws CAIRN_CORRUPT.

import { assert } from '../lib/assert.js';
import { CairnError } from '../lib/errors.js';
import { replyDepthMax } from './encode.js';

export type ServerReply =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'integer'; readonly value: bigint }
  | { readonly type: 'bulk'; readonly value: Buffer }
  | { readonly type: 'verbatim'; readonly format: string; readonly value: Buffer }
  | { readonly type: 'null' }
  | { readonly type: 'double'; readonly text: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bignum'; readonly text: string }
  | { readonly type: 'array' | 'set' | 'push'; readonly items: readonly ServerReply[] }
  | { readonly type: 'map'; readonly entries: readonly (readonly [ServerReply, ServerReply])[] };

const aggregateLengthMax = 100_000_000;
const bulkBytesMax = 1024 * 1024 * 1024;

interface Parsed {
  readonly reply: ServerReply;
  readonly end: number;
}

export class ReplyParser {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  push(chunk: Buffer): void {
    const rest = this.buffer.subarray(this.offset);
    this.buffer = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    this.offset = 0;
  }

  /** The next complete reply, or undefined until more bytes arrive. */
  next(): ServerReply | undefined {
    if (this.offset >= this.buffer.length) return undefined;
    const parsed = parseAt(this.buffer, this.offset, 0);
    if (parsed === undefined) return undefined;
    this.offset = parsed.end;
    return parsed.reply;
  }

  get bufferedBytes(): number {
    return this.buffer.length - this.offset;
  }
}

function corrupt(message: string): never {
  throw new CairnError('CAIRN_CORRUPT', `malformed reply: ${message}`);
}

/** Parses one reply starting at `at`; undefined when it is not complete yet. */
function parseAt(buffer: Buffer, at: number, depth: number): Parsed | undefined {
  if (depth > replyDepthMax) corrupt('nested too deeply');
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buffer[at]) {
    case 0x2b: return { reply: { type: 'simple', value: line }, end: next }; // +
    case 0x2d: return { reply: { type: 'error', message: line }, end: next }; // -
    case 0x3a: return { reply: { type: 'integer', value: integer(line) }, end: next }; // :
    case 0x5f: return { reply: { type: 'null' }, end: next }; // _
    case 0x2c: return { reply: { type: 'double', text: line }, end: next }; // ,
    case 0x28: return { reply: { type: 'bignum', text: line }, end: next }; // (
    case 0x23: // #
      if (line !== 't' && line !== 'f') corrupt(`boolean '${line}'`);
      return { reply: { type: 'boolean', value: line === 't' }, end: next };
    case 0x24: // $
    case 0x21: // ! (blob error)
    case 0x3d: // = (verbatim)
      return blob(buffer, buffer[at], line, next);
    case 0x2a: // *
    case 0x7e: // ~
    case 0x3e: // >
      return aggregate(buffer, buffer[at], line, next, depth);
    case 0x25: // %
    case 0x7c: // | (attribute: parsed, then the reply it annotates is returned)
      return map(buffer, buffer[at], line, next, depth);
    default:
      return corrupt(`unknown type byte 0x${(buffer[at] ?? 0).toString(16)}`);
  }
}

function integer(text: string): bigint {
  if (!/^-?\d{1,20}$/.test(text)) corrupt(`integer '${text}'`);
  return BigInt(text);
}

function length(text: string, max: number): number {
  const value = Number(integer(text));
  if (value > max) corrupt(`length ${value} too large`);
  return value;
}

function blob(buffer: Buffer, type: number, line: string, start: number): Parsed | undefined {
  const size = length(line, bulkBytesMax);
  if (size < 0) return { reply: { type: 'null' }, end: start };
  if (buffer.length < start + size + 2) return undefined;
  const value = buffer.subarray(start, start + size);
  const end = start + size + 2;
  if (type === 0x21) return { reply: { type: 'error', message: value.toString('utf8') }, end };
  if (type === 0x3d) {
    if (size < 4) corrupt('verbatim string without a format');
    return { reply: { type: 'verbatim', format: value.toString('latin1', 0, 3), value: value.subarray(4) }, end };
  }
  return { reply: { type: 'bulk', value }, end };
}

function aggregate(buffer: Buffer, type: number, line: string, start: number, depth: number): Parsed | undefined {
  const count = length(line, aggregateLengthMax);
  if (count < 0) return { reply: { type: 'null' }, end: start };
  const items: ServerReply[] = [];
  let at = start;
  for (let i = 0; i < count; i++) {
    const item = parseAt(buffer, at, depth + 1);
    if (item === undefined) return undefined;
    items.push(item.reply);
    at = item.end;
  }
  const kind = type === 0x2a ? 'array' : type === 0x7e ? 'set' : 'push';
  return { reply: { type: kind, items }, end: at };
}

function map(buffer: Buffer, type: number, line: string, start: number, depth: number): Parsed | undefined {
  const count = length(line, aggregateLengthMax);
  const entries: [ServerReply, ServerReply][] = [];
  let at = start;
  for (let i = 0; i < count; i++) {
    const key = parseAt(buffer, at, depth + 1);
    if (key === undefined) return undefined;
    const value = parseAt(buffer, key.end, depth + 1);
    if (value === undefined) return undefined;
    entries.push([key.reply, value.reply]);
    at = value.end;
  }
  if (type === 0x7c) return parseAt(buffer, at, depth);
  assert(entries.length === count, 'a map holds count entries');
  return { reply: { type: 'map', entries }, end: at };
}
