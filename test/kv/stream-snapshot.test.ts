// Streams in snapshots: everything a stream holds (entries across nodes, deleted-entry bookkeeping,
// last ID, entries-added, max-deleted-ID, groups with their PEL and consumers) survives encode →
// decode with the same replies and the same bytes re-encoded, and behaves the same afterwards;
// malformed stream bytes are refused with CAIRN_CORRUPT, never loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import { Prng } from '../../src/lib/prng.js';
import { decodeCollection, encodeCollection, tagOf } from '../../src/kv/collection-codec.js';
import { KvState } from '../../src/kv/state.js';
import { ConsumerGroup, type Consumer } from '../../src/kv/stream/group.js';
import { idKey } from '../../src/kv/stream/id.js';
import { Stream } from '../../src/kv/stream/stream.js';
import { encodeReply } from '../../src/resp/encode.js';
import { argv } from './helpers.js';

/** A state with streams in every shape the codec must carry. */
function populated(): KvState {
  const state = new KvState();
  const run = (nowMs: number, ...parts: string[]) => state.execute(argv(...parts), nowMs);
  for (let i = 1; i <= 250; i++) run(1000 + i, 'XADD', 'big', `${i}-${i % 3}`, 'f', String(i), ...(i % 7 === 0 ? ['g', 'x'.repeat(i * 10)] : []));
  run(2000, 'XDEL', 'big', '5-2', '150-0', '250-1');
  run(2000, 'XTRIM', 'big', 'MAXLEN', '230');
  run(2001, 'XGROUP', 'CREATE', 'big', 'readers', '0');
  run(2001, 'XGROUP', 'CREATE', 'big', 'late', '$', 'ENTRIESREAD', '7');
  run(2002, 'XREADGROUP', 'GROUP', 'readers', 'alice', 'COUNT', '5', 'STREAMS', 'big', '>');
  run(2003, 'XREADGROUP', 'GROUP', 'readers', 'b\u00ff\u0000b', 'COUNT', '3', 'STREAMS', 'big', '>');
  run(2004, 'XCLAIM', 'big', 'readers', 'carol', '0', '30-0', 'RETRYCOUNT', '9223372036854775807');
  run(2005, 'XGROUP', 'CREATECONSUMER', 'big', 'readers', 'idle-one');
  run(2006, 'XADD', 'small', '18446744073709551614-5', 'f', 'v');
  run(2006, 'XSETID', 'small', '18446744073709551615-0', 'ENTRIESADDED', '99', 'MAXDELETEDID', '18446744073709551614-7');
  run(2007, 'XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM');
  return state;
}

const PROBES = [
  ['XINFO', 'STREAM', 'big', 'FULL', 'COUNT', '0'], ['XINFO', 'STREAM', 'big'], ['XINFO', 'GROUPS', 'big'], ['XINFO', 'CONSUMERS', 'big', 'readers'],
  ['XPENDING', 'big', 'readers', '-', '+', '100'], ['XRANGE', 'big', '-', '+'], ['XINFO', 'STREAM', 'small', 'FULL'], ['XINFO', 'STREAM', 'empty', 'FULL'],
  ['XADD', 'big', '*', 'after', 'restore'], ['XADD', 'big', 'MAXLEN', '~', '150', '*', 'f', 'v'], ['XINFO', 'STREAM', 'big'],
  ['XREADGROUP', 'GROUP', 'readers', 'alice', 'STREAMS', 'big', '0'], ['XADD', 'small', '*', 'f', 'v'],
];

function replies(state: KvState): string[] {
  return PROBES.map((probe) => encodeReply(state.execute(argv(...probe), 5000), 3).toString('latin1'));
}

test('streams survive a snapshot round trip: same replies, same bytes, same behaviour afterwards', () => {
  const original = populated();
  const bytes = original.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  assert.deepEqual(replies(restored), replies(original));
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(original.encodeSnapshot()));
});

test('a stream\'s clone (COPY) shares nothing with the original', () => {
  const stream = new Stream();
  for (let ms = 1n; ms <= 3n; ms++) stream.append({ ms, seq: 0n }, ['f', String(ms)]);
  const group = new ConsumerGroup({ ms: 1n, seq: 0n }, 1n);
  stream.groups = new Map([['g', group]]);
  const alice = group.createConsumer('alice', 10) as Consumer;
  group.addNack(idKey({ ms: 1n, seq: 0n }), { consumer: alice, deliveryTimeMs: 10, deliveryCount: 1 });
  const before = Buffer.from(encodeCollection(stream));
  const copy = stream.clone();
  assert.deepEqual(Buffer.from(encodeCollection(copy)), before);
  copy.delete({ ms: 2n, seq: 0n });
  copy.append({ ms: 9n, seq: 0n }, ['f', 'new']);
  const copiedGroup = copy.group('g') as ConsumerGroup;
  copiedGroup.ack(idKey({ ms: 1n, seq: 0n }));
  copiedGroup.createConsumer('bob', 20);
  copiedGroup.lastId = { ms: 9n, seq: 0n };
  assert.deepEqual(Buffer.from(encodeCollection(stream)), before);
});

test('every truncation of a stream value and of a snapshot holding streams is CAIRN_CORRUPT', () => {
  const state = populated();
  const snapshot = state.encodeSnapshot();
  for (let cut = 0; cut < snapshot.length; cut += Math.max(1, Math.floor(snapshot.length / 400))) {
    assert.throws(() => KvState.decodeSnapshot(snapshot.subarray(0, cut)), (e) => isCairnError(e));
  }
  const stream = new Stream();
  stream.append({ ms: 1n, seq: 0n }, ['f', 'v']);
  stream.append({ ms: 2n, seq: 0n }, ['f', 'w']);
  const bytes = encodeCollection(stream);
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(() => decodeCollection(tagOf('stream'), bytes.subarray(0, cut)), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
  }
  assert.throws(() => decodeCollection(tagOf('stream'), Buffer.concat([bytes, Buffer.from([0])])), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
});

test('malformed stream bytes are refused: unknown format, entries out of order, odd field counts, a pending entry twice', () => {
  const stream = new Stream();
  stream.append({ ms: 1n, seq: 0n }, ['f', 'v']);
  stream.append({ ms: 2n, seq: 0n }, ['f', 'w']);
  const good = Buffer.from(encodeCollection(stream));
  const corrupt = (mutate: (b: Buffer) => void) => {
    const bad = Buffer.from(good);
    mutate(bad);
    assert.throws(() => decodeCollection(tagOf('stream'), bad), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
  };
  corrupt((b) => { b[0] = 9; });
  // Layout: version (1), last/first/max-deleted IDs and entries-added (56), chunk count (4), the chunk's
  // master and last IDs, deleted count, size and master field 'f' (49), entry count (4), entry 1 (30).
  const second = 1 + 56 + 4 + 49 + 4 + 30;
  assert.equal(good.readUInt32LE(second), 2, 'the second entry\'s ms');
  corrupt((b) => { b.writeUInt32LE(0, second); });
  corrupt((b) => { b.writeUInt32LE(3, second + 16); });
  corrupt((b) => { b.writeUInt32LE(0, second - 30 - 4 - 5 - 4); }); // no master fields

  const state = new KvState();
  for (const command of [['XADD', 's', '1-0', 'f', 'v'], ['XADD', 's', '2-0', 'f', 'v'], ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '1', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'b', 'COUNT', '1', 'STREAMS', 's', '>']]) {
    state.execute(argv(...command), 1);
  }
  const snapshot = Buffer.from(state.encodeSnapshot());
  const firstKey = Buffer.from(idKey({ ms: 1n, seq: 0n }), 'latin1');
  const secondKey = Buffer.from(idKey({ ms: 2n, seq: 0n }), 'latin1');
  const at = snapshot.indexOf(secondKey);
  assert.ok(at > 0);
  const twice = Buffer.from(snapshot);
  firstKey.copy(twice, at);
  assert.doesNotThrow(() => KvState.decodeSnapshot(snapshot));
  assert.throws(() => KvState.decodeSnapshot(twice), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
});

test('random byte flips in a snapshot holding streams load or fail with CAIRN_CORRUPT, never otherwise', () => {
  const snapshot = Buffer.from(populated().encodeSnapshot());
  const prng = new Prng(42);
  for (let i = 0; i < 3000; i++) {
    const bad = Buffer.from(snapshot);
    for (let flips = prng.int(1, 3); flips > 0; flips--) bad[prng.int(0, bad.length - 1)] = prng.int(0, 255);
    try {
      const state = KvState.decodeSnapshot(bad);
      for (const probe of PROBES) state.execute(argv(...probe), 5000);
    } catch (error) {
      assert.ok(isCairnError(error, 'CAIRN_CORRUPT') || isCairnError(error, 'CAIRN_FORMAT'), String(error));
    }
  }
});
