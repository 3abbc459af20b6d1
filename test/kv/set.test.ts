// Set commands beyond what the redis-server differential can compare: the random ones (SPOP,
// SRANDMEMBER) by their properties and by replicas agreeing, snapshots of both encodings, and
// corrupt snapshot bytes refused.

import { Databases } from '../../src/kv/databases.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../../src/lib/errors.js';
import { TYPE_TAGS } from '../../src/kv/collection.js';
import { decodeCollection, encodeCollection } from '../../src/kv/collection-codec.js';
import { KvState } from '../../src/kv/state.js';
import { ByteWriter } from '../../src/kv/writer.js';
import { Db } from '../../src/kv/db.js';
import { argv, err, plain, session, type Plain } from './helpers.js';

const ints = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => String(from + i));
const words = (count: number): string[] => Array.from({ length: count }, (_, i) => `m:${i}`);

function asStrings(value: Plain): string[] {
  assert.ok(Array.isArray(value), `expected an array, got ${JSON.stringify(value)}`);
  return value.map((item) => String(item));
}

for (const [encoding, members] of [['intset', ints(1, 40)], ['hashtable', words(40)]] as const) {
  test(`SPOP with a count removes and returns distinct members of the ${encoding} set`, () => {
    const { run } = session();
    run('SADD', 's', ...members);
    const popped = asStrings(run('SPOP', 's', '15'));
    assert.equal(popped.length, 15);
    assert.equal(new Set(popped).size, 15, 'distinct');
    for (const member of popped) assert.ok(members.includes(member), `${member} was a member`);
    for (const member of popped) assert.equal(run('SISMEMBER', 's', member), 0, `${member} was removed`);
    assert.equal(run('SCARD', 's'), 25);
    // Most of the set: Redis's other strategy (the few that stay are moved into a new set).
    const most = asStrings(run('SPOP', 's', '23'));
    assert.equal(new Set(most).size, 23);
    assert.equal(run('SCARD', 's'), 2);
    const rest = asStrings(run('SMEMBERS', 's'));
    assert.deepEqual([...popped, ...most, ...rest].sort(), [...members].sort(), 'every member exactly once');
  });

  test(`SPOP without a count pops every member of the ${encoding} set once, then the key is gone`, () => {
    const { run } = session();
    run('SADD', 's', ...members);
    const popped = members.map(() => run('SPOP', 's') as string);
    assert.deepEqual([...popped].sort(), [...members].sort());
    assert.equal(run('EXISTS', 's'), 0);
    assert.equal(run('SPOP', 's'), null);
  });

  test(`SRANDMEMBER on the ${encoding} set: distinct for positive counts, repeats for negative, changes nothing`, () => {
    const { run } = session();
    run('SADD', 's', ...members);
    const before = asStrings(run('SMEMBERS', 's'));
    for (const count of [1, 2, 5, 13, 14, 39]) {
      const chosen = asStrings(run('SRANDMEMBER', 's', String(count)));
      assert.equal(chosen.length, count);
      assert.equal(new Set(chosen).size, count, `count ${count}: distinct`);
      for (const member of chosen) assert.ok(members.includes(member));
    }
    assert.deepEqual(asStrings(run('SRANDMEMBER', 's', '1000')).sort(), [...members].sort());
    const repeated = asStrings(run('SRANDMEMBER', 's', '-500'));
    assert.equal(repeated.length, 500);
    assert.ok(new Set(repeated).size < 500, 'a negative count repeats members');
    for (const member of repeated) assert.ok(members.includes(member));
    assert.ok(members.includes(run('SRANDMEMBER', 's') as string));
    assert.deepEqual(asStrings(run('SMEMBERS', 's')), before, 'SRANDMEMBER leaves the set as it was');
  });
}

test('SPOP keeps the key\'s TTL; the rebuilt remainder gets the encoding Redis gives it', () => {
  const db = new Db();
  const state = new KvState({}, new Databases(db));
  const run = (...parts: string[]) => plain(state.execute(argv(...parts), 1000));
  const encoding = (key: string) => db.lookup(key, 1000)?.collection?.encoding();
  run('SADD', 's', 'x', ...ints(1, 30));
  run('SREM', 's', 'x');
  run('PEXPIRE', 's', '100000');
  assert.equal(encoding('s'), 'hashtable', 'never converts back by removal');
  run('SPOP', 's', '3'); // few popped: removed one by one
  assert.equal(encoding('s'), 'hashtable');
  run('SPOP', 's', '25'); // two left: moved into a new set, an intset (redis-server 7.0.15 does the same)
  assert.equal(run('SCARD', 's'), 2);
  assert.equal(encoding('s'), 'intset');
  assert.equal(run('PTTL', 's'), 100000);
});

test('two states fed the same SPOPs and SRANDMEMBERs agree on every reply and on their snapshots', () => {
  const a = new KvState({ randomSeed: 1 });
  const b = new KvState({ randomSeed: 2 }); // the local Prng differs; SPOP must not depend on it
  const commands = [
    argv('SADD', 'i', ...ints(-20, 100)), argv('SADD', 'h', ...words(300)),
    argv('SRANDMEMBER', 'h', '3'), argv('SPOP', 'i'), argv('SPOP', 'h'), argv('SPOP', 'h', '7'), argv('SPOP', 'i', '90'),
    argv('SRANDMEMBER', 'i', '-4'), argv('SPOP', 'h', '250'), argv('SPOP', 'i', '5'), argv('SPOP', 'h', '1'),
  ];
  for (const command of commands) {
    const ours = plain(a.execute(command, 5));
    const theirs = plain(b.execute(command, 5));
    if (command[0]?.toString() === 'SPOP') assert.deepEqual(ours, theirs, `same reply to ${command.map(String).join(' ')}`);
  }
  assert.deepEqual(Buffer.from(a.encodeSnapshot()), Buffer.from(b.encodeSnapshot()));
});

test('SRANDMEMBER refuses a negative count too large to answer; Redis 7.0\'s range error first', () => {
  const { run } = session();
  run('SADD', 's', 'a');
  assert.deepEqual(run('SRANDMEMBER', 's', '-9223372036854775808'),
    err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
  assert.deepEqual(run('SRANDMEMBER', 's', '-9223372036854775807'),
    err('ERR value is out of range, value must between -1000000 and 9223372036854775807'));
  assert.equal(asStrings(run('SRANDMEMBER', 's', '-1000000')).length, 1_000_000);
});

test('snapshots keep both encodings: same replies, same SSCAN walk, same bytes re-encoded', () => {
  const { state, run } = session();
  run('SADD', 'small', ...ints(-5, 20), '9223372036854775807', '-9223372036854775808');
  run('SADD', 'big', ...ints(0, 600));
  run('SADD', 'words', ...words(5000));
  run('SREM', 'words', ...words(4000)); // shrinks the table
  run('SADD', 'mixed', '1', 'a');
  run('SREM', 'mixed', 'a'); // all integers, still a hashtable
  const snapshot = state.encodeSnapshot();
  const copy = KvState.decodeSnapshot(snapshot);
  assert.deepEqual(Buffer.from(copy.encodeSnapshot()), Buffer.from(snapshot));
  for (const key of ['small', 'big', 'words', 'mixed']) {
    for (const command of [['SMEMBERS', key], ['SCARD', key], ['SSCAN', key, '0', 'COUNT', '3'], ['SRANDMEMBER', key, '100000']]) {
      assert.deepEqual(plain(copy.execute(argv(...command), 0)), run(...command), `${command.join(' ')}`);
    }
  }
  assert.deepEqual(run('SMEMBERS', 'mixed'), ['1']);
});

test('decoding refuses corrupt set bytes with CAIRN_CORRUPT', () => {
  const corrupt = (bytes: Uint8Array) => assert.throws(() => decodeCollection(TYPE_TAGS.set, bytes), (e) => isCairnError(e, 'CAIRN_CORRUPT'));
  const write = (fill: (out: ByteWriter) => void): Uint8Array => {
    const out = new ByteWriter();
    fill(out);
    return out.finish();
  };
  const intset = (members: string[]) => write((out) => {
    out.u8(1);
    out.u32(members.length);
    for (const member of members) out.latin1(member);
  });
  const table = (capacity: number, members: string[]) => write((out) => {
    out.u8(2);
    out.u32(capacity);
    out.u32(members.length);
    for (const member of members) out.latin1(member);
  });
  assert.equal(decodeCollection(TYPE_TAGS.set, intset(['1', '2'])).size, 2);
  assert.equal(decodeCollection(TYPE_TAGS.set, table(8, ['a', 'b'])).size, 2);
  corrupt(intset([])); // empty
  corrupt(intset(['2', '1'])); // out of order
  corrupt(intset(['1', '1'])); // duplicate
  corrupt(intset(['1', 'a'])); // not an integer
  corrupt(intset(['01'])); // not string2ll's form
  corrupt(intset(ints(0, 513))); // too many for an intset
  corrupt(table(8, ['a', 'a'])); // duplicate
  corrupt(table(12, ['a'])); // not a power of two
  corrupt(table(8, words(7))); // more than the table holds
  corrupt(table(8, []));
  corrupt(write((out) => out.u8(3))); // unknown encoding
  const good = encodeCollection(decodeCollection(TYPE_TAGS.set, table(16, words(9))));
  for (let cut = 0; cut < good.length; cut++) corrupt(good.subarray(0, cut));
  corrupt(Buffer.concat([good, Buffer.from([0])]));
});
