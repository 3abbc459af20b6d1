// Unit tests of the generic commands where the redis-server differentials cannot reach: COPY of a
// collection (a deep copy, expiry kept), OBJECT and MEMORY on collections, a string's encoding
// after a snapshot round trip (re-derived, as Redis re-encodes what it loads), SORT STORE's list
// building through the dispatcher, and its refusal, changing nothing, while there is no RPUSH.

import { Databases } from '../../src/kv/databases.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection } from '../../src/kv/collection.js';
import type { ExecContext } from '../../src/kv/command-types.js';
import { Db, NO_EXPIRY } from '../../src/kv/db.js';
import { sortCommands } from '../../src/kv/sort.js';
import { KvState } from '../../src/kv/state.js';
import { Prng } from '../../src/lib/prng.js';
import { integerReply } from '../../src/lib/reply.js';
import { argv, err, OK, plain, session } from './helpers.js';

class Items implements Collection {
  readonly type = 'list' as const;
  countedBytes = 0;
  constructor(readonly items: string[]) {}
  get size(): number { return this.items.length; }
  encoding(): string { return 'quicklist'; }
  clone(): Collection { return new Items([...this.items]); }
  encode(): void { throw new Error('unused'); }
  memoryBytes(): number { return 1000 + this.items.length; }
  members(): Iterable<string> { return this.items; }
}

function withList(items: string[]) {
  const db = new Db();
  const list = new Items(items);
  db.setCollection('l', list, 5_000_000);
  const state = new KvState({}, new Databases(db));
  const run = (...parts: string[]) => plain(state.execute(argv(...parts), 1_000_000));
  return { db, list, run };
}

test('COPY of a collection is a deep copy with the expiry; REPLACE and the DB option as Redis', () => {
  const { db, list, run } = withList(['b', 'a']);
  assert.equal(run('COPY', 'l', 'm'), 1);
  const copy = db.map.get('m')?.collection as Items;
  assert.notEqual(copy, list);
  copy.items.push('c');
  assert.deepEqual(list.items, ['b', 'a']);
  assert.equal(db.map.get('m')?.expireAtMs, 5_000_000);
  assert.equal(run('COPY', 'l', 'm'), 0);
  assert.equal(run('COPY', 'l', 'm', 'REPLACE'), 1);
  assert.deepEqual(run('COPY', 'l', 'l'), err('ERR source and destination objects are the same'));
  assert.deepEqual(run('COPY', 'l', 'n', 'DB', '3'), err('ERR COPY to a database other than 0 is not supported yet'));
  assert.deepEqual(run('COPY', 'l', 'n', 'DB', '16'), err('ERR DB index is out of range'));
  assert.equal(run('COPY', 'l', 'n', 'DB', '0'), 1);
});

test('OBJECT and MEMORY USAGE on a collection answer from the collection', () => {
  const { run } = withList(['x']);
  assert.equal(run('OBJECT', 'ENCODING', 'l'), 'quicklist');
  assert.equal(run('OBJECT', 'REFCOUNT', 'l'), 1);
  assert.equal(run('MEMORY', 'USAGE', 'l'), 1001 + 8 + 24);
  assert.deepEqual(run('SORT', 'l'), err('ERR One or more scores can\'t be converted into double'));
  assert.deepEqual(run('SORT', 'l', 'ALPHA'), ['x']);
});

test('an edited string is raw until a snapshot round trip, after which its encoding is re-derived as Redis does on load', () => {
  const { state, run } = session();
  assert.deepEqual(run('SET', 'k', '12'), OK);
  assert.equal(run('APPEND', 'k', '3'), 3);
  assert.equal(run('OBJECT', 'ENCODING', 'k'), 'raw');
  assert.deepEqual(run('RENAME', 'k', 'j'), OK);
  assert.equal(run('OBJECT', 'ENCODING', 'j'), 'raw');
  const restored = KvState.decodeSnapshot(state.encodeSnapshot());
  assert.equal(plain(restored.execute(argv('OBJECT', 'ENCODING', 'j'), 1_000_000)), 'int');
  assert.equal(plain(restored.execute(argv('OBJECT', 'REFCOUNT', 'j'), 1_000_000)), 2147483647);
  assert.deepEqual(restored.encodeSnapshot(), state.encodeSnapshot());
});

test('SORT STORE replaces the key with an RPUSH of the result, and an empty result deletes it', () => {
  const pushed: string[][] = [];
  const [sort] = sortCommands({
    run: (_ctx, args) => {
      pushed.push(args.map((a) => Buffer.from(a).toString('latin1')));
      return integerReply(args.length - 2);
    },
    has: (name) => name === 'rpush',
  });
  const db = new Db();
  db.setCollection('l', new Items(['3', '1', '2']), NO_EXPIRY);
  db.set('dest', Buffer.from('old'), 9_000_000);
  const ctx: ExecContext = { db, nowMs: 1, prng: new Prng(1), databases: new Databases(db), dbIndex: 0 };
  assert.deepEqual(plain(sort!.handler(ctx, argv('SORT', 'l', 'DESC', 'STORE', 'dest'))), 3);
  assert.deepEqual(pushed, [['rpush', 'dest', '3', '2', '1']]);
  assert.equal(db.map.has('dest'), false, 'the stand-in RPUSH added nothing: the old value is gone');
  db.set('dest', Buffer.from('old'), NO_EXPIRY);
  assert.deepEqual(plain(sort!.handler(ctx, argv('SORT', 'l', 'LIMIT', '5', '1', 'STORE', 'dest'))), 0);
  assert.equal(db.map.has('dest'), false);
});

test('SORT STORE replaces the destination with a real list; SORT_RO refuses STORE', () => {
  const { db, run } = withList(['2', '1']);
  db.set('dest', Buffer.from('replaced'), NO_EXPIRY);
  assert.deepEqual(run('SORT', 'l', 'STORE', 'dest'), 2);
  assert.deepEqual(run('LRANGE', 'dest', '0', '-1'), ['1', '2']);
  assert.deepEqual(run('SORT_RO', 'l', 'STORE', 'dest'), err('ERR syntax error'));
});
