// The relay tag in a log entry (kv/entry.ts): it round-trips, it is read from an entry's first
// bytes alone, entries without one keep their exact old bytes, and applying never reads it — the
// same commands with or without tags leave byte-identical snapshots and give the same replies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { applyEntry, decodeEntry, encodeEntry, relayTagOf, type Entry } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import { runToEnd } from '../../src/kv/databases-snapshot.js';
import { isCairnError } from '../../src/lib/errors.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

const entries: Entry[] = [
  { nowMs: 5, commands: [[b('SET'), b('k'), b('v'), b('PX'), b('1000')]] },
  { nowMs: 6, commands: [[b('INCR'), b('n')], [b('RPUSH'), b('l'), b('a'), b('b')]], watches: [{ key: b('n'), version: 0 }] },
  { nowMs: 7, commands: [[b('SELECT'), b('3')], [b('SET'), b('k3'), b('v')]], dbs: [0, 3] },
  { nowMs: 8, commands: [[b('EVAL'), b('return redis.call("INCR", KEYS[1])'), b('1'), b('n')]] },
];

test('a tag round-trips, is found in the first bytes, and entries without one encode as before', () => {
  for (const [i, entry] of entries.entries()) {
    const tag = b(`n2/0123456789abcdef/${i.toString(36)}`);
    const plain = encodeEntry(entry);
    const tagged = encodeEntry({ ...entry, relayTag: tag });
    assert.equal(relayTagOf(plain), undefined);
    assert.deepEqual(Buffer.from(relayTagOf(tagged)!), tag);
    assert.equal(tagged.length, plain.length + 1 + tag.length, 'the tag costs its bytes and a length byte');
    assert.equal(tagged[0]! & 0x7f, plain[0], 'the same format, with the tag flag');
    assert.deepEqual(Buffer.from(tagged.subarray(2 + tag.length)), Buffer.from(plain.subarray(1)), 'the rest is the untagged layout');
    const decoded = decodeEntry(tagged);
    assert.deepEqual(Buffer.from(decoded.relayTag!), tag);
    assert.deepEqual({ ...decoded, relayTag: undefined }, { ...decodeEntry(plain), relayTag: undefined });
    assert.equal('relayTag' in decodeEntry(plain), false, 'an entry without a tag decodes without one');
  }
  // Format 1 as written before tags existed: u8 1 | f64 nowMs | u32 1 | u32 1 | u32 4 'PING' | u32 0.
  const old = Buffer.concat([Buffer.from([1]), Buffer.alloc(8), Buffer.from([1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0]), b('PING'), Buffer.alloc(4)]);
  assert.deepEqual(Buffer.from(encodeEntry({ nowMs: 0, commands: [[b('PING')]] })), old);
  assert.deepEqual(decodeEntry(old).commands.map((argv) => argv.map((arg) => Buffer.from(arg).toString('latin1'))), [['PING']]);
});

test('applying never reads the tag: the same replies and byte-identical snapshots with or without tags', () => {
  const plain = new KvState();
  const tagged = new KvState();
  for (const [i, entry] of entries.entries()) {
    const a = applyEntry(plain, encodeEntry(entry));
    const t = applyEntry(tagged, encodeEntry({ ...entry, relayTag: b(`n1/ffff/${i}`) }));
    assert.deepEqual(t, a, `entry ${i}: the same replies`);
  }
  assert.deepEqual(Buffer.from(runToEnd(tagged.snapshotEncoder())), Buffer.from(runToEnd(plain.snapshotEncoder())));
});

test('a malformed tag is corrupt, never read past the entry', () => {
  const tagged = encodeEntry({ ...entries[0]!, relayTag: b('tag') });
  const emptyTag = Buffer.from(tagged);
  emptyTag[1] = 0;
  assert.throws(() => decodeEntry(emptyTag), (e: unknown) => isCairnError(e, 'CAIRN_CORRUPT'));
  assert.equal(relayTagOf(emptyTag), undefined);
  const cut = tagged.subarray(0, 3);
  assert.equal(relayTagOf(cut), undefined, 'a tag running past the bytes is not read');
  assert.throws(() => decodeEntry(cut), (e: unknown) => isCairnError(e, 'CAIRN_CORRUPT'));
  assert.throws(() => encodeEntry({ ...entries[0]!, relayTag: Buffer.alloc(256) }));
});
