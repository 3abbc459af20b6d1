// The snapshot form of a stream: its counters, its chunks (node key, last added ID, deleted count,
// Redis-listpack size, master fields, live entries) and its groups with their consumers and
// pending entries. Decoding checks every ordering and count the in-memory form relies on and
// throws CAIRN_CORRUPT (via ByteReader) when one does not hold.

import type { ByteReader } from '../reader.js';
import type { ByteWriter } from '../writer.js';
import { StreamChunk } from './chunk.js';
import { ConsumerGroup, ENTRIES_READ_UNKNOWN, type Consumer, type DeliveryCount } from './group.js';
import { compareIds, UINT64_MAX, type StreamId } from './id.js';
import { Stream } from './stream.js';

const FORMAT_VERSION = 1;
const U32 = 0x1_0000_0000n;

function writeU64(out: ByteWriter, value: bigint): void {
  const unsigned = BigInt.asUintN(64, value);
  out.u32(Number(unsigned & 0xffffffffn));
  out.u32(Number(unsigned >> 32n));
}

function writeId(out: ByteWriter, id: StreamId): void {
  writeU64(out, id.ms);
  writeU64(out, id.seq);
}

function readU64(r: ByteReader, what: string): bigint {
  const lo = BigInt(r.u32(what));
  return (BigInt(r.u32(what)) * U32 + lo) & UINT64_MAX;
}

function readId(r: ByteReader, what: string): StreamId {
  return { ms: readU64(r, what), seq: readU64(r, what) };
}

function readString(r: ByteReader, what: string): string {
  return r.latin1(r.u32(what), what);
}

export function encodeStream(stream: Stream, out: ByteWriter): void {
  out.u8(FORMAT_VERSION);
  writeId(out, stream.lastId);
  writeId(out, stream.firstId);
  writeId(out, stream.maxDeletedId);
  writeU64(out, stream.entriesAdded);
  out.u32(stream.chunks.length);
  for (const chunk of stream.chunks) {
    writeId(out, chunk.master);
    writeId(out, chunk.lastAdded);
    out.u32(chunk.deleted);
    out.u32(chunk.lpBytes);
    out.u32(chunk.masterFields.length);
    for (const field of chunk.masterFields) out.latin1(field);
    out.u32(chunk.live);
    for (let i = 0; i < chunk.live; i++) {
      writeId(out, chunk.idAt(i));
      const pairs = chunk.pairsAt(i);
      out.u32(pairs.length);
      for (const text of pairs) out.latin1(text);
    }
  }
  const groups = stream.sortedGroups();
  out.u32(groups.length);
  for (const [name, group] of groups) encodeGroup(out, name, group);
}

function encodeGroup(out: ByteWriter, name: string, group: ConsumerGroup): void {
  out.latin1(name);
  writeId(out, group.lastId);
  writeU64(out, group.entriesRead);
  const consumers = group.sortedConsumers();
  out.u32(consumers.length);
  for (const consumer of consumers) {
    out.latin1(consumer.name);
    out.f64(consumer.seenTimeMs);
    out.u32(consumer.pel.size);
    for (const key of consumer.pel.values()) {
      const nack = group.pel.get(key);
      if (nack === undefined) throw new Error('consumer PEL entry missing from its group');
      out.latin1(key);
      out.f64(nack.deliveryTimeMs);
      writeU64(out, BigInt(nack.deliveryCount));
    }
  }
}

export function decodeStream(r: ByteReader): Stream {
  const version = r.u8('stream format');
  if (version !== FORMAT_VERSION) r.corrupt(`unknown stream format ${version}`);
  const stream = new Stream();
  stream.lastId = readId(r, 'stream last ID');
  stream.firstId = readId(r, 'stream first ID');
  stream.maxDeletedId = readId(r, 'stream max deleted ID');
  stream.entriesAdded = BigInt.asIntN(64, readU64(r, 'stream entries added'));
  if (stream.entriesAdded < 0n) r.corrupt('negative entries-added');
  const chunkCount = r.u32('stream chunk count');
  let previousLive: StreamId | undefined;
  for (let c = 0; c < chunkCount; c++) {
    const chunk = decodeChunk(r, previousLive);
    if (chunk.live > 0) previousLive = chunk.idAt(chunk.live - 1);
    stream.chunks.push(chunk);
    stream.length += chunk.live;
  }
  if (previousLive !== undefined && compareIds(previousLive, stream.lastId) > 0) r.corrupt('stream entry above its last ID');
  for (let c = 0; c + 1 < stream.chunks.length; c++) (stream.chunks[c] as StreamChunk).pack();
  const groupCount = r.u32('stream group count');
  for (let g = 0; g < groupCount; g++) decodeGroup(r, stream);
  return stream;
}

function decodeChunk(r: ByteReader, previousLive: StreamId | undefined): StreamChunk {
  const master = readId(r, 'chunk master ID');
  const lastAdded = readId(r, 'chunk last ID');
  const deleted = r.u32('chunk deleted count');
  const lpBytes = r.u32('chunk size');
  const fieldCount = r.u32('chunk master field count');
  if (fieldCount === 0 || fieldCount > r.remaining) r.corrupt(`bad master field count ${fieldCount}`);
  const fields: string[] = [];
  for (let i = 0; i < fieldCount; i++) fields.push(readString(r, 'master field'));
  if (compareIds(master, lastAdded) > 0) r.corrupt('chunk last ID below its master');
  if (previousLive !== undefined && compareIds(previousLive, master) >= 0) r.corrupt('stream chunks out of order');
  const live = r.u32('chunk entry count');
  if (live + deleted === 0 || live > r.remaining) r.corrupt(`bad chunk entry count ${live}`);
  const chunk = new StreamChunk(master, fields, lpBytes, lastAdded, live);
  chunk.deleted = deleted;
  let previous: StreamId | undefined;
  for (let i = 0; i < live; i++) {
    const id = readId(r, 'entry ID');
    const ordered = previous === undefined ? compareIds(id, master) >= 0 : compareIds(id, previous) > 0;
    if (!ordered || compareIds(id, lastAdded) > 0) r.corrupt('stream entries out of order');
    const pairCount = r.u32('entry field count');
    if (pairCount === 0 || pairCount % 2 !== 0 || pairCount > r.remaining) r.corrupt(`bad entry field count ${pairCount}`);
    const pairs: string[] = [];
    for (let j = 0; j < pairCount; j++) pairs.push(readString(r, 'entry field'));
    chunk.push(id, pairs);
    previous = id;
  }
  return chunk;
}

function decodeGroup(r: ByteReader, stream: Stream): void {
  const name = readString(r, 'group name');
  const lastId = readId(r, 'group last ID');
  const entriesRead = BigInt.asIntN(64, readU64(r, 'group entries read'));
  if (entriesRead < ENTRIES_READ_UNKNOWN) r.corrupt('bad group entries-read');
  stream.groups ??= new Map();
  if (stream.groups.has(name)) r.corrupt('repeated group name');
  const group = new ConsumerGroup(lastId, entriesRead);
  stream.groups.set(name, group);
  const consumerCount = r.u32('consumer count');
  for (let i = 0; i < consumerCount; i++) {
    const consumerName = readString(r, 'consumer name');
    const consumer = group.createConsumer(consumerName, r.int('consumer seen time', 0));
    if (consumer === undefined) r.corrupt('repeated consumer name');
    decodeConsumerPel(r, group, consumer);
  }
}

function decodeConsumerPel(r: ByteReader, group: ConsumerGroup, consumer: Consumer): void {
  const pending = r.u32('consumer PEL size');
  let previous = '';
  for (let j = 0; j < pending; j++) {
    const key = readString(r, 'pending ID');
    if (key.length !== 16 || key <= previous || group.pel.has(key)) r.corrupt('bad pending entry ID');
    previous = key;
    const deliveryTimeMs = r.int('delivery time', 0);
    const count = BigInt.asIntN(64, readU64(r, 'delivery count'));
    const deliveryCount: DeliveryCount = count >= 0n && count <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(count) : count;
    group.addNack(key, { consumer, deliveryTimeMs, deliveryCount });
  }
  if (consumer.pel.size !== pending) r.corrupt('consumer PEL repeats an entry');
}
