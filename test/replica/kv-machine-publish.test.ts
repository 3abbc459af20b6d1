// PUBLISH and SPUBLISH in log entries (kv/publish.ts): the entry changes no key and answers 0 on
// every replica; each replica's KvMachine hands the messages out once, when the entry applies, with
// the entry's keyspace events and each message's place among them; a restored snapshot publishes
// nothing, and the message leaves no trace in the state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { encodeEntry, type Entry } from '../../src/kv/entry.js';
import type { KeyEvent, PublishedMessage } from '../../src/kv/key-events.js';
import { KvMachine } from '../../src/replica/kv-machine.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const cmd = (...args: string[]): Uint8Array[] => args.map(b);

interface Heard {
  readonly index: number;
  readonly messages: { channel: string; message: string; shard: boolean; eventsBefore: number }[];
  readonly events: string[];
}

function listen(machine: KvMachine): { published: Heard[]; keyEvents: number[] } {
  const published: Heard[] = [];
  const keyEvents: number[] = [];
  machine.onPublished((messages: readonly PublishedMessage[], events: readonly KeyEvent[], index: number) => {
    published.push({
      index,
      messages: messages.map((m) => ({ channel: Buffer.from(m.channel).toString(), message: Buffer.from(m.message).toString(), shard: m.shard, eventsBefore: m.eventsBefore })),
      events: events.map((e) => `${e.event} ${e.key}`),
    });
  });
  machine.onKeyEvents((_events, index) => keyEvents.push(index));
  return { published, keyEvents };
}

test('every replica hands out an entry\'s messages once, in place among its events, and answers 0', () => {
  const entries: Entry[] = [
    { nowMs: 1_000, commands: [cmd('SET', 'a', '1'), cmd('PUBLISH', 'ch', 'm1'), cmd('DEL', 'a'), cmd('SPUBLISH', 'sh', 'm2')] },
    { nowMs: 1_001, commands: [cmd('SET', 'b', '2')] },
    { nowMs: 1_002, commands: [cmd('publish', 'ch', 'alone')] },
  ];
  const machines = [new KvMachine(), new KvMachine()];
  const heard = machines.map(listen);
  for (const [i, entry] of entries.entries()) {
    const replies = machines.map((machine) => machine.apply(encodeEntry(entry), i + 1));
    assert.deepEqual(replies[0], replies[1]);
    if (i === 0) assert.deepEqual(replies[0], [{ type: 'simple', value: 'OK' }, { type: 'integer', value: 0 }, { type: 'integer', value: 1 }, { type: 'integer', value: 0 }]);
  }
  for (const { published, keyEvents } of heard) {
    // Each message sits right after the events of the commands before it (SET's, then DEL's).
    const events = published[0]!.events;
    assert.ok(events.includes('set a') && events.includes('del a'), events.join());
    assert.deepEqual(published, [
      { index: 1, messages: [{ channel: 'ch', message: 'm1', shard: false, eventsBefore: events.indexOf('set a') + 1 }, { channel: 'sh', message: 'm2', shard: true, eventsBefore: events.length }], events },
      { index: 3, messages: [{ channel: 'ch', message: 'alone', shard: false, eventsBefore: 0 }], events: [] },
    ]);
    assert.equal(events[events.length - 1], 'del a');
    // onKeyEvents hears every entry that raised events, after onPublished for the same entry.
    assert.deepEqual(keyEvents, [1, 2]);
  }
  // A message is no state: the replicas' snapshots equal one's that never published.
  const quiet = new KvMachine();
  quiet.apply(encodeEntry({ nowMs: 1_000, commands: [cmd('SET', 'a', '1'), cmd('DEL', 'a')] }), 1);
  quiet.apply(encodeEntry({ nowMs: 1_001, commands: [cmd('SET', 'b', '2')] }), 2);
  assert.deepEqual(Buffer.from(machines[0]!.snapshot()), Buffer.from(quiet.snapshot()));
});

test('a restored snapshot publishes nothing', () => {
  const source = new KvMachine();
  source.apply(encodeEntry({ nowMs: 1, commands: [cmd('PUBLISH', 'ch', 'm'), cmd('SET', 'k', 'v')] }), 1);
  const target = new KvMachine();
  const { published, keyEvents } = listen(target);
  target.restore(source.snapshot());
  assert.deepEqual(published, []);
  assert.deepEqual(keyEvents, []);
});
