// The peer codec: every message variant round-trips (fast-check), mutated and random bytes either
// decode to a message that re-encodes to the same bytes or throw CAIRN_CORRUPT — never another
// exception — and the frame splitter reassembles frames from any chunking.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../src/runtime/peer/codec.js';
import { FrameSplitter } from '../../src/runtime/peer/frames.js';
import { decodeHello, decodeHelloReply, decodeProof, encodeAccept, encodeChallenge, encodeHello, encodeProof, encodeRefuse, MAC_BYTES, NONCE_BYTES } from '../../src/runtime/peer/handshake.js';
import { PEER_PROTOCOL_VERSION } from '../../src/runtime/peer/wire.js';
import { isCairnError } from '../../src/lib/errors.js';
import type { Message } from '../../src/raft/types.js';
import { messageArb, sampleMessages } from './peer-messages.js';

const CAP_BYTES = 1024 * 1024;

function body(frame: Buffer): Buffer {
  return frame.subarray(4);
}

function expectCorrupt(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCairnError(error, 'CAIRN_CORRUPT'), `expected CAIRN_CORRUPT, got ${String(error)}`);
    if (pattern !== undefined) assert.match((error as Error).message, pattern);
    return true;
  });
}

test('every message variant round-trips through encode and decode', () => {
  fc.assert(fc.property(messageArb, (message) => {
    const frame = encodeMessage(message);
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    assert.deepStrictEqual(decodeMessage(body(frame)), message);
  }), { numRuns: 2000 });
});

test('the samples cover all thirteen types and round-trip', () => {
  const samples = sampleMessages('n1', 'n2');
  assert.equal(new Set(samples.map((m) => m.type)).size, 13);
  for (const message of samples) assert.deepStrictEqual(decodeMessage(body(encodeMessage(message))), message);
});

test('mutated frames decode to a message that re-encodes identically, or throw CAIRN_CORRUPT', () => {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  );
  fc.assert(fc.property(messageArb, fc.array(edit, { minLength: 1, maxLength: 4 }), (message, edits) => {
    let bytes = Buffer.from(body(encodeMessage(message)));
    for (const e of edits) {
      const at = e.at % (bytes.length + 1);
      if (e.kind === 'set' && at < bytes.length) bytes[at] = e.value;
      if (e.kind === 'truncate') bytes = bytes.subarray(0, at);
      if (e.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([e.value]), bytes.subarray(at)]);
    }
    let decoded: Message;
    try {
      decoded = decodeMessage(bytes);
    } catch (error) {
      assert.ok(isCairnError(error, 'CAIRN_CORRUPT'), `unexpected ${String(error)}`);
      return;
    }
    // The encoding is canonical: whatever decodes re-encodes to exactly the bytes it came from.
    assert.deepStrictEqual(body(encodeMessage(decoded)), bytes);
  }), { numRuns: 3000 });
});

test('random bytes never throw anything but CAIRN_CORRUPT', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 11 }), (random, type) => {
    const bytes = Buffer.concat([Buffer.from([1, type]), random]);
    try {
      decodeMessage(bytes);
    } catch (error) {
      assert.ok(isCairnError(error, 'CAIRN_CORRUPT'), `unexpected ${String(error)}`);
    }
  }), { numRuns: 3000 });
});

test('specific malformations are refused with a reason', () => {
  const heartbeat = body(encodeMessage(sampleMessages('n1', 'n2')[4] as Message));
  expectCorrupt(() => decodeMessage(Buffer.concat([heartbeat, Buffer.from([0])])), /trailing/);
  expectCorrupt(() => decodeMessage(Buffer.from([4, 5])), /version 4/);
  expectCorrupt(() => decodeMessage(Buffer.from([1, 5])), /version 1, expected 3/); // a build from before incarnations
  expectCorrupt(() => decodeMessage(Buffer.from([2, 5])), /version 2, expected 3/); // a build from before the handshake proof
  expectCorrupt(() => decodeMessage(Buffer.from([3, 99])), /unknown message type 99/);
  expectCorrupt(() => decodeMessage(Buffer.from([3, 0])), /unknown message type 0/);
  // A from-id of invalid UTF-8.
  expectCorrupt(() => decodeMessage(Buffer.from([3, 9, 1, 0xff, 1, 0x41, 0, 0, 0, 0, 0, 0, 0, 1])), /UTF-8/);
  // An empty id.
  expectCorrupt(() => decodeMessage(Buffer.from([3, 9, 0, 1, 0x41, 0, 0, 0, 0, 0, 0, 0, 1])), /outside 1\.\.255/);
  // A term above 2^53 - 1.
  expectCorrupt(() => decodeMessage(Buffer.from([3, 9, 1, 0x41, 1, 0x42, 0xff, 0, 0, 0, 0, 0, 0, 1])), /2\^53/);
  // Unknown flag bits on a vote response.
  const voteResponse = Buffer.from(body(encodeMessage(sampleMessages('a', 'b')[1] as Message)));
  voteResponse[voteResponse.length - 1] = 0x84;
  expectCorrupt(() => decodeMessage(voteResponse), /unknown bits/);
});

test('an entry count larger than the bytes could hold is refused before allocating', () => {
  const append = sampleMessages('n1', 'n2')[2] as Message;
  const bytes = Buffer.from(body(encodeMessage({ ...append, entries: [] } as Message)));
  bytes.writeUInt32BE(0xffff_fff0, bytes.length - 4); // the entry count is the last field when empty
  expectCorrupt(() => decodeMessage(bytes), /entry count/);
  const small = Buffer.from(bytes);
  small.writeUInt32BE(1000, small.length - 4);
  expectCorrupt(() => decodeMessage(small), /needs more bytes/);
});

test('encode refuses values the format cannot carry', () => {
  const hb = sampleMessages('n1', 'n2')[4] as Message;
  const invalid = (m: Message): void => assert.throws(() => encodeMessage(m), (e: unknown) => isCairnError(e, 'CAIRN_INVALID_ARGUMENT'));
  invalid({ ...hb, from: 'x'.repeat(256) });
  invalid({ ...hb, to: '' });
  invalid({ ...hb, from: 'a\uD800b' });
  invalid({ ...hb, term: -1 });
  invalid({ ...hb, term: 2 ** 53 });
  invalid({ ...hb, term: 1.5 });
  invalid({ ...hb, incarnation: 'not-hex-digits!!' });
  invalid({ ...hb, incarnation: '0123456789ABCDEF' }); // 16 lowercase hex digits only
});

test('incarnations cross the wire exactly, the highest and lowest included', () => {
  const hb = sampleMessages('n1', 'n2')[4] as Message;
  for (const incarnation of ['0000000000000000', 'ffffffffffffffff', '80000000000000ff']) {
    const decoded = decodeMessage(body(encodeMessage({ ...hb, incarnation } as Message)));
    assert.equal(decoded.incarnation, incarnation);
  }
  const list = { type: 'incarnations', from: 'n1', to: 'n2', term: 3, incarnation: '0000000000000001', peers: [{ id: 'n3', incarnation: 'ffffffff00000000' }] } as Message;
  assert.deepStrictEqual(decodeMessage(body(encodeMessage(list))), list);
});

test('the splitter reassembles frames from any chunking', () => {
  fc.assert(fc.property(fc.array(messageArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat({ max: 40 }), { maxLength: 30 }), (messages, cuts) => {
    const stream = Buffer.concat(messages.map(encodeMessage));
    const splitter = new FrameSplitter(CAP_BYTES);
    const decoded: Message[] = [];
    let at = 0;
    for (const cut of [...cuts, stream.length]) {
      const end = Math.min(stream.length, at + cut);
      for (const frame of splitter.push(stream.subarray(at, end))) decoded.push(decodeMessage(frame));
      at = end;
    }
    assert.deepStrictEqual(decoded, messages);
    assert.equal(splitter.pendingBytes, 0);
  }), { numRuns: 500 });
});

test('the splitter refuses a frame over the cap or shorter than a header, before buffering it', () => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(CAP_BYTES + 1);
  expectCorrupt(() => new FrameSplitter(CAP_BYTES).push(header), /exceeds the cap/);
  header.writeUInt32BE(1);
  expectCorrupt(() => new FrameSplitter(CAP_BYTES).push(header), /shorter than a header/);
  // Exactly at the cap is fine, and a partial frame is held, not returned.
  const splitter = new FrameSplitter(16);
  const frame = Buffer.alloc(20, 7);
  frame.writeUInt32BE(16);
  assert.deepStrictEqual(splitter.push(frame.subarray(0, 10)), []);
  assert.equal(splitter.push(frame.subarray(10)).length, 1);
});

test('a 16 MiB frame in 64 KiB pieces is assembled in linear time', () => {
  const chunk = new Uint8Array(16 * 1024 * 1024).fill(3);
  const message: Message = {
    type: 'snapshot', from: 'n1', to: 'n2', term: 1, incarnation: '0000000000000000',
    meta: { index: 5, term: 1, membership: { voters: ['n1'], learners: [] } }, totalBytes: chunk.length, offset: 0, chunk,
  };
  const frame = encodeMessage(message);
  const splitter = new FrameSplitter(64 * 1024 * 1024);
  const started = process.hrtime.bigint();
  const frames: Buffer[] = [];
  for (let at = 0; at < frame.length; at += 65536) frames.push(...splitter.push(frame.subarray(at, at + 65536)));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(frames.length, 1);
  assert.deepStrictEqual(decodeMessage(frames[0] as Buffer), message);
  assert.ok(elapsedMs < 2000, `took ${elapsedMs} ms`);
});

test('handshake frames round-trip; a foreign version is reported, not thrown', () => {
  const hello = { clusterId: 'prod-eu', from: 'n1', to: 'n2', nonce: new Uint8Array(NONCE_BYTES).fill(7) };
  assert.deepStrictEqual(decodeHello(body(encodeHello(hello))), { kind: 'hello', hello });
  const nonce = new Uint8Array(NONCE_BYTES).fill(1);
  const mac = new Uint8Array(MAC_BYTES).fill(2);
  assert.deepStrictEqual(decodeHelloReply(body(encodeChallenge(nonce, mac))), { kind: 'challenge', nonce, mac });
  assert.deepStrictEqual(decodeProof(body(encodeProof(mac))), mac);
  expectCorrupt(() => decodeProof(body(encodeAccept('n2', 1000))), /expected PROOF/);
  const shortNonce = Buffer.from(body(encodeHello(hello)));
  expectCorrupt(() => decodeHello(shortNonce.subarray(0, shortNonce.length - 1)), /nonce/);
  assert.deepStrictEqual(decodeHelloReply(body(encodeAccept('n2', 1000))), { kind: 'accept', nodeId: 'n2', keepaliveIntervalMs: 1000 });
  assert.deepStrictEqual(decodeHelloReply(body(encodeRefuse('cluster id mismatch'))), { kind: 'refuse', reason: 'cluster id mismatch' });
  assert.equal(decodeHelloReply(body(encodeRefuse('é'.repeat(5000)))).kind, 'refuse');
  const future = Buffer.from(body(encodeHello(hello)));
  future[0] = PEER_PROTOCOL_VERSION + 1;
  assert.deepStrictEqual(decodeHello(future), { kind: 'version', version: PEER_PROTOCOL_VERSION + 1 });
  expectCorrupt(() => decodeHello(body(encodeAccept('n2', 1000))), /expected HELLO/);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (random) => {
    for (const decode of [decodeHello, decodeHelloReply, decodeProof]) {
      try {
        decode(Buffer.from(random));
      } catch (error) {
        assert.ok(isCairnError(error, 'CAIRN_CORRUPT'), `unexpected ${String(error)}`);
      }
    }
  }), { numRuns: 2000 });
});
