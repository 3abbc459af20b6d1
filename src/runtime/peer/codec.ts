// The binary encoding of Raft messages between nodes. A frame is
//   u32 body length | u8 version | u8 type | fields of that type
// (big-endian; docs/TRANSPORT.md lists every type's fields byte by byte). encodeMessage() builds
// one whole frame; decodeMessage() checks a frame body completely — version, type, every length
// against the bytes that remain, id caps, counts before allocating, no trailing bytes — and throws
// CairnError CAIRN_CORRUPT on anything malformed, so bytes from the network never crash a node.

import { assert, unreachable } from '../../lib/assert.js';
import { CairnError } from '../../lib/errors.js';
import { CLUSTER_MEMBERS_MAX, PEER_INCARNATIONS_MAX } from '../../lib/limits.js';
import { isIncarnation } from '../../raft/incarnations.js';
import { APPEND_ENTRIES_MAX } from '../../raft/validate.js';
import type { Entry, Incarnation, Membership, Message, MessageType } from '../../raft/types.js';
import {
  BufferSink, corrupt, FRAME_HEADER_BYTES, FRAME_LENGTH_BYTES, ID_BYTES_MAX, PEER_PROTOCOL_VERSION, requireU64,
  SizeSink, WireReader,
} from './wire.js';
import type { WireSink } from './wire.js';

/** Type bytes of the Raft messages. 0x40 and up belong to the handshake (peer/handshake.ts). */
export const MESSAGE_TYPE_CODES: Readonly<Record<MessageType, number>> = {
  vote: 1,
  voteResponse: 2,
  append: 3,
  appendResponse: 4,
  heartbeat: 5,
  heartbeatResponse: 6,
  snapshot: 7,
  snapshotResponse: 8,
  timeoutNow: 9,
  readIndex: 10,
  readIndexResponse: 11,
  staleIncarnation: 12,
  incarnations: 13,
};

/** Read request ids are 1..1024 bytes of UTF-8 behind a u16 length. */
export const REQUEST_ID_BYTES_MAX = 1024;
/** u64 term + u8 kind + u32 data length: the smallest encoded entry. */
const MIN_ENTRY_BYTES = 13;
/** u8 length + one byte: the smallest encoded id. */
const MIN_ID_BYTES = 2;
/** An incarnation on the wire: two u32 words. */
const INCARNATION_BYTES = 8;

const FLAG_1 = 0b01;
const FLAG_2 = 0b10;

function flag(value: boolean, bit: number): number {
  return value ? bit : 0;
}

function writeMembership(sink: WireSink, membership: Membership): void {
  for (const list of [membership.voters, membership.learners]) {
    if (list.length > CLUSTER_MEMBERS_MAX) throw new CairnError('CAIRN_INVALID_ARGUMENT', `membership list of ${list.length} exceeds ${CLUSTER_MEMBERS_MAX}`);
    sink.u16(list.length);
    for (const id of list) sink.str(id, ID_BYTES_MAX, 'member id');
  }
}

function writeEntries(sink: WireSink, entries: readonly Entry[], prevIndex: number): void {
  assert(entries.length <= APPEND_ENTRIES_MAX, `append of ${entries.length} entries exceeds the cap`);
  sink.u32(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    // Indexes are implied (prevIndex + 1 + i): Raft only ever sends contiguous entries.
    assert(entry.index === prevIndex + 1 + i, `append entries must be contiguous after prevIndex ${prevIndex}`);
    assert(Number.isInteger(entry.kind) && entry.kind >= 0 && entry.kind <= 0xff, `entry kind ${entry.kind} outside 0..255`);
    sink.u64(requireU64(entry.term, 'entry term'));
    sink.u8(entry.kind);
    sink.bytes(entry.data);
  }
}

/** An incarnation (16 hex digits) as 8 bytes: two u32 words. */
function writeIncarnation(sink: WireSink, incarnation: Incarnation, field: string): void {
  if (!isIncarnation(incarnation)) throw new CairnError('CAIRN_INVALID_ARGUMENT', `${field} must be 16 lowercase hex digits, got ${String(incarnation)}`);
  sink.u32(Number.parseInt(incarnation.slice(0, 8), 16));
  sink.u32(Number.parseInt(incarnation.slice(8), 16));
}

function readIncarnation(r: WireReader, field: string): Incarnation {
  const high = r.u32(field);
  const low = r.u32(field);
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/** The fields after the type byte, in order; the same function measures and writes. */
function writeFields(sink: WireSink, m: Message): void {
  sink.str(m.from, ID_BYTES_MAX, 'from');
  sink.str(m.to, ID_BYTES_MAX, 'to');
  sink.u64(requireU64(m.term, 'term'));
  writeIncarnation(sink, m.incarnation, 'incarnation');
  switch (m.type) {
    case 'vote':
      sink.u8(flag(m.preVote, FLAG_1) | flag(m.transfer, FLAG_2));
      sink.u64(requireU64(m.lastLogIndex, 'lastLogIndex'));
      sink.u64(requireU64(m.lastLogTerm, 'lastLogTerm'));
      return;
    case 'voteResponse':
      sink.u8(flag(m.preVote, FLAG_1) | flag(m.granted, FLAG_2));
      return;
    case 'append':
      sink.u64(requireU64(m.prevIndex, 'prevIndex'));
      sink.u64(requireU64(m.prevTerm, 'prevTerm'));
      sink.u64(requireU64(m.commitIndex, 'commitIndex'));
      writeEntries(sink, m.entries, m.prevIndex);
      return;
    case 'appendResponse':
      sink.u8(flag(m.success, FLAG_1));
      sink.u64(requireU64(m.matchIndex, 'matchIndex'));
      sink.u64(requireU64(m.rejectedIndex, 'rejectedIndex'));
      sink.u64(requireU64(m.conflictTerm, 'conflictTerm'));
      sink.u64(requireU64(m.conflictIndex, 'conflictIndex'));
      return;
    case 'heartbeat':
      sink.u64(requireU64(m.commitIndex, 'commitIndex'));
      sink.u64(requireU64(m.readSeq, 'readSeq'));
      return;
    case 'heartbeatResponse':
      sink.u64(requireU64(m.readSeq, 'readSeq'));
      return;
    case 'snapshot':
      sink.u64(requireU64(m.meta.index, 'meta.index'));
      sink.u64(requireU64(m.meta.term, 'meta.term'));
      writeMembership(sink, m.meta.membership);
      sink.u64(requireU64(m.totalBytes, 'totalBytes'));
      sink.u64(requireU64(m.offset, 'offset'));
      sink.bytes(m.chunk);
      return;
    case 'snapshotResponse':
      sink.u64(requireU64(m.snapshotIndex, 'snapshotIndex'));
      sink.u64(requireU64(m.nextOffset, 'nextOffset'));
      sink.u8(flag(m.done, FLAG_1));
      return;
    case 'timeoutNow':
      return;
    case 'readIndex':
      sink.str(m.requestId, REQUEST_ID_BYTES_MAX, 'requestId');
      return;
    case 'readIndexResponse':
      sink.str(m.requestId, REQUEST_ID_BYTES_MAX, 'requestId');
      // -1 (refused) is the only negative index: the wire carries index + 1.
      sink.u64(requireU64(m.index + 1, 'readIndexResponse index + 1'));
      return;
    case 'staleIncarnation':
      writeIncarnation(sink, m.rejected, 'rejected incarnation');
      return;
    case 'incarnations':
      writePeerIncarnations(sink, m.peers);
      return;
    default:
      unreachable(m, 'unknown message type');
  }
}

function writePeerIncarnations(sink: WireSink, peers: Extract<Message, { type: 'incarnations' }>['peers']): void {
  if (peers.length > PEER_INCARNATIONS_MAX) throw new CairnError('CAIRN_INVALID_ARGUMENT', `${peers.length} incarnations exceed ${PEER_INCARNATIONS_MAX}`);
  sink.u16(peers.length);
  for (const peer of peers) {
    sink.str(peer.id, ID_BYTES_MAX, 'peer id');
    writeIncarnation(sink, peer.incarnation, 'peer incarnation');
  }
}

/**
 * One whole frame (length prefix included) for a message. Throws CAIRN_INVALID_ARGUMENT for a
 * value the format cannot carry (an id over 255 bytes, a negative or unsafe integer).
 */
export function encodeMessage(message: Message): Buffer {
  const sizer = new SizeSink();
  writeFields(sizer, message);
  const bodyBytes = FRAME_HEADER_BYTES + sizer.size;
  const buffer = Buffer.allocUnsafe(FRAME_LENGTH_BYTES + bodyBytes);
  const sink = new BufferSink(buffer);
  sink.u32(bodyBytes);
  sink.u8(PEER_PROTOCOL_VERSION);
  sink.u8(MESSAGE_TYPE_CODES[message.type]);
  writeFields(sink, message);
  assert(sink.offset === buffer.length, `encoded ${sink.offset} of ${buffer.length} bytes`);
  return buffer;
}

// ---- decoding: one small function per type, dispatched on the type byte ----

interface Base {
  from: string;
  to: string;
  term: number;
  incarnation: Incarnation;
}

function readMembership(r: WireReader): Membership {
  const voters: string[] = [];
  const learners: string[] = [];
  for (const list of [voters, learners]) {
    const count = r.count(2, CLUSTER_MEMBERS_MAX, MIN_ID_BYTES, 'member count');
    for (let i = 0; i < count; i++) list.push(r.str(ID_BYTES_MAX, 'member id'));
  }
  return { voters, learners };
}

function readEntries(r: WireReader, prevIndex: number): Entry[] {
  const count = r.count(4, APPEND_ENTRIES_MAX, MIN_ENTRY_BYTES, 'entry count');
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const term = r.u64('entry term');
    const kind = r.u8('entry kind');
    entries.push({ index: prevIndex + 1 + i, term, kind, data: r.bytes('entry data') });
  }
  if (!Number.isSafeInteger(prevIndex + count)) throw corrupt('entry indexes exceed 2^53 - 1');
  return entries;
}

const decoders: ReadonlyArray<((r: WireReader, b: Base) => Message) | undefined> = [
  undefined,
  (r, b) => {
    const flags = r.flags(FLAG_1 | FLAG_2, 'vote flags');
    const preVote = (flags & FLAG_1) !== 0;
    const transfer = (flags & FLAG_2) !== 0;
    return { type: 'vote', ...b, preVote, transfer, lastLogIndex: r.u64('lastLogIndex'), lastLogTerm: r.u64('lastLogTerm') };
  },
  (r, b) => {
    const flags = r.flags(FLAG_1 | FLAG_2, 'voteResponse flags');
    return { type: 'voteResponse', ...b, preVote: (flags & FLAG_1) !== 0, granted: (flags & FLAG_2) !== 0 };
  },
  (r, b) => {
    const prevIndex = r.u64('prevIndex');
    const prevTerm = r.u64('prevTerm');
    const commitIndex = r.u64('commitIndex');
    return { type: 'append', ...b, prevIndex, prevTerm, entries: readEntries(r, prevIndex), commitIndex };
  },
  (r, b) => {
    const success = r.flags(FLAG_1, 'appendResponse flags') !== 0;
    const matchIndex = r.u64('matchIndex');
    const rejectedIndex = r.u64('rejectedIndex');
    const conflictTerm = r.u64('conflictTerm');
    return { type: 'appendResponse', ...b, success, matchIndex, rejectedIndex, conflictTerm, conflictIndex: r.u64('conflictIndex') };
  },
  (r, b) => ({ type: 'heartbeat', ...b, commitIndex: r.u64('commitIndex'), readSeq: r.u64('readSeq') }),
  (r, b) => ({ type: 'heartbeatResponse', ...b, readSeq: r.u64('readSeq') }),
  (r, b) => {
    const index = r.u64('meta.index');
    const term = r.u64('meta.term');
    const meta = { index, term, membership: readMembership(r) };
    const totalBytes = r.u64('totalBytes');
    const offset = r.u64('offset');
    return { type: 'snapshot', ...b, meta, totalBytes, offset, chunk: r.bytes('chunk') };
  },
  (r, b) => {
    const snapshotIndex = r.u64('snapshotIndex');
    const nextOffset = r.u64('nextOffset');
    return { type: 'snapshotResponse', ...b, snapshotIndex, nextOffset, done: r.flags(FLAG_1, 'snapshotResponse flags') !== 0 };
  },
  (_r, b) => ({ type: 'timeoutNow', ...b }),
  (r, b) => ({ type: 'readIndex', ...b, requestId: r.str(REQUEST_ID_BYTES_MAX, 'requestId') }),
  (r, b) => {
    const requestId = r.str(REQUEST_ID_BYTES_MAX, 'requestId');
    return { type: 'readIndexResponse', ...b, requestId, index: r.u64('readIndexResponse index') - 1 };
  },
  (r, b) => ({ type: 'staleIncarnation', ...b, rejected: readIncarnation(r, 'rejected incarnation') }),
  (r, b) => {
    const count = r.count(2, PEER_INCARNATIONS_MAX, MIN_ID_BYTES + INCARNATION_BYTES, 'incarnation count');
    const peers = [];
    for (let i = 0; i < count; i++) peers.push({ id: r.str(ID_BYTES_MAX, 'peer id'), incarnation: readIncarnation(r, 'peer incarnation') });
    return { type: 'incarnations', ...b, peers };
  },
];

/** Decodes one frame body (after the length prefix). Throws CAIRN_CORRUPT if it is malformed. */
export function decodeMessage(body: Buffer): Message {
  const r = new WireReader(body);
  const version = r.u8('version');
  if (version !== PEER_PROTOCOL_VERSION) throw corrupt(`version ${version}, expected ${PEER_PROTOCOL_VERSION}`);
  const typeCode = r.u8('type');
  const decode = decoders[typeCode];
  if (decode === undefined) throw corrupt(`unknown message type ${typeCode}`);
  const base = { from: r.str(ID_BYTES_MAX, 'from'), to: r.str(ID_BYTES_MAX, 'to'), term: r.u64('term'), incarnation: readIncarnation(r, 'incarnation') };
  const message = decode(r, base);
  r.end(message.type);
  return message;
}
