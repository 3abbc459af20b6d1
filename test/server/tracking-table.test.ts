// Client-side caching's pure parts: the tracking table (who is told of which changed key, NOLOOP,
// OFF clients skipped, keys forgotten once told, BCAST prefixes batched and sorted, null
// invalidations on a whole-database change, the tracking-table-max-keys bound), CLIENT TRACKING's
// option checks, and the keys a read command reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyEvent } from '../../src/kv/key-events.js';
import { TrackingTable, type TrackingOptions } from '../../src/server/tracking-table.js';
import { parseTracking } from '../../src/server/tracking-options.js';
import { readKeys } from '../../src/server/tracking-keys.js';

const plain: TrackingOptions = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
const set = (key: string): KeyEvent => ({ db: 0, cls: '$', event: 'set', key });
const flush: KeyEvent = { db: 0, cls: '*', event: 'flushdb', key: '' };

test('a changed key is told to each client that read it, once: the key is forgotten until read again', () => {
  const table = new TrackingTable(() => 0);
  table.enable(1, plain);
  table.enable(2, plain);
  table.remember(2, ['k']);
  table.remember(1, ['k', 'other']);
  assert.deepEqual(table.changed([set('k')], undefined), [{ client: 1, keys: ['k'] }, { client: 2, keys: ['k'] }]);
  assert.deepEqual(table.changed([set('k')], undefined), []);
  assert.deepEqual(table.figures(), { clients: 2, keys: 1, items: 1, prefixes: 0 });
});

test('NOLOOP spares the writer only; a miss is no change; a client turned off is skipped but the key still forgotten', () => {
  const table = new TrackingTable(() => 0);
  table.enable(1, { ...plain, noloop: true });
  table.enable(2, plain);
  table.remember(1, ['k']);
  table.remember(2, ['k']);
  assert.deepEqual(table.changed([{ db: 0, cls: 'm', event: 'keymiss', key: 'k' }], 1), []);
  assert.deepEqual(table.changed([set('k')], 1), [{ client: 2, keys: ['k'] }]);
  table.remember(1, ['k']);
  assert.deepEqual(table.changed([set('k')], 2), [{ client: 1, keys: ['k'] }]);
  table.remember(2, ['j']);
  table.disable(2);
  assert.deepEqual(table.changed([set('j')], undefined), []);
  assert.equal(table.figures().keys, 0);
});

test('a whole-database change tells every tracking client (BCAST too, NOLOOP writer too) with a null, and empties the table', () => {
  const table = new TrackingTable(() => 0);
  table.enable(3, { ...plain, bcast: true });
  table.enable(1, { ...plain, noloop: true });
  table.remember(1, ['a', 'b']);
  assert.deepEqual(table.changed([flush, { ...flush, db: 1 }], 1), [{ client: 1, keys: null }, { client: 3, keys: null }]);
  assert.deepEqual(table.figures(), { clients: 2, keys: 0, items: 0, prefixes: 1 });
});

test('BCAST: one sorted array per prefix to each of its clients, a NOLOOP writer\'s own keys left out', () => {
  const table = new TrackingTable(() => 0);
  table.enable(1, { ...plain, bcast: true, prefixes: ['user:', 'cart:'] });
  table.enable(2, { ...plain, bcast: true, noloop: true, prefixes: ['user:'] });
  table.enable(3, { ...plain, bcast: true });
  const events = [set('user:2'), set('other'), set('user:1'), set('cart:9')];
  assert.deepEqual(table.changed(events, 2), [
    { client: 3, keys: ['cart:9', 'other', 'user:1', 'user:2'] },
    { client: 1, keys: ['cart:9'] },
    { client: 1, keys: ['user:1', 'user:2'] },
  ]);
  table.disable(3);
  assert.deepEqual(table.changed([set('user:5')], undefined), [{ client: 1, keys: ['user:5'] }, { client: 2, keys: ['user:5'] }]);
  assert.equal(table.figures().prefixes, 2);
});

test('OPTIN remembers only after CACHING yes, OPTOUT all but after CACHING no, BCAST never', () => {
  const table = new TrackingTable(() => 0);
  table.enable(1, { ...plain, optin: true });
  table.enable(2, { ...plain, optout: true });
  table.enable(3, { ...plain, bcast: true });
  assert.deepEqual([table.caches(1), table.caches(2), table.caches(3), table.caches(4)], [false, true, false, false]);
  table.mode(1)!.caching = true;
  table.mode(2)!.caching = true;
  assert.deepEqual([table.caches(1), table.caches(2)], [true, false]);
});

test('past tracking-table-max-keys the oldest keys are forgotten and their readers told', () => {
  let maxKeys = 2;
  const table = new TrackingTable(() => maxKeys);
  table.enable(1, plain);
  assert.deepEqual(table.remember(1, ['a', 'b']), []);
  assert.deepEqual(table.remember(1, ['c', 'd']), [{ client: 1, keys: ['a'] }, { client: 1, keys: ['b'] }]);
  maxKeys = 0;
  assert.deepEqual(table.remember(1, ['e', 'f', 'g']), []);
  assert.equal(table.figures().keys, 5);
});

const args = (...parts: string[]): Buffer[] => ['client', 'tracking', ...parts].map((p) => Buffer.from(p));
const exists = (id: number): boolean => id === 7;

test('CLIENT TRACKING\'s options are checked in Redis\'s order with its errors', () => {
  const error = (reply: unknown): string => (reply as { message: string }).message;
  assert.equal(error(parseTracking(args('on', 'optin', 'optout'), undefined, exists)), 'ERR You can\'t specify both OPTIN mode and OPTOUT mode');
  assert.equal(error(parseTracking(args('on', 'prefix', 'a'), undefined, exists)), 'ERR PREFIX option requires BCAST mode to be enabled');
  assert.equal(error(parseTracking(args('on', 'bcast', 'optin'), undefined, exists)), 'ERR OPTIN and OPTOUT are not compatible with BCAST');
  assert.equal(error(parseTracking(args('on', 'redirect', '8'), undefined, exists)), 'ERR The client ID you want redirect to does not exist');
  assert.equal(error(parseTracking(args('on', 'redirect', 'x'), undefined, exists)), 'ERR value is not an integer or out of range');
  assert.equal(error(parseTracking(args('on', 'redirect', '7', 'redirect', '7'), undefined, exists)), 'ERR A client can only redirect to a single other client');
  assert.equal(error(parseTracking(args('on', 'bcast', 'prefix', 'ab', 'prefix', 'a'), undefined, exists)),
    'ERR Prefix \'ab\' overlaps with another provided prefix \'a\'. Prefixes for a single client must not overlap.');
  assert.equal(error(parseTracking(args('maybe'), undefined, exists)), 'ERR syntax error');
  assert.equal(error(parseTracking(args('on', 'prefix'), undefined, exists)), 'ERR syntax error');
  assert.deepEqual(parseTracking(args('off', 'bcast'), undefined, exists), { on: false });
  assert.deepEqual(parseTracking(args('ON', 'redirect', '7', 'NOLOOP'), undefined, exists), { on: true, options: { ...plain, redirect: 7, noloop: true } });
});

test('CLIENT TRACKING ON again is checked against the client\'s mode: BCAST and OPTIN/OPTOUT switch only through OFF, prefixes must not overlap those held', () => {
  const table = new TrackingTable(() => 0);
  table.enable(1, { ...plain, bcast: true, prefixes: ['a'] });
  const error = (reply: unknown): string => (reply as { message: string }).message;
  assert.match(error(parseTracking(args('on'), table.mode(1), exists)), /can't switch BCAST mode/);
  assert.equal(error(parseTracking(args('on', 'bcast', 'prefix', 'ab'), table.mode(1), exists)),
    'ERR Prefix \'ab\' overlaps with an existing prefix \'a\'. Prefixes for a single client must not overlap.');
  table.enable(2, { ...plain, optin: true });
  assert.match(error(parseTracking(args('on', 'optout'), table.mode(2), exists)), /can't switch OPTIN\/OPTOUT mode/);
});

test('a read\'s keys: by the table\'s key positions, numkeys, and XREAD\'s STREAMS', () => {
  const argv = (...parts: string[]): Buffer[] => parts.map((p) => Buffer.from(p));
  assert.deepEqual(readKeys({ name: 'mget', firstKey: 1, lastKey: -1, keyStep: 1 }, argv('mget', 'a', 'b')), ['a', 'b']);
  assert.deepEqual(readKeys({ name: 'get', firstKey: 1, lastKey: 1, keyStep: 1 }, argv('get', 'a')), ['a']);
  assert.deepEqual(readKeys({ name: 'zunion', firstKey: 0, lastKey: 0, keyStep: 0 }, argv('zunion', '2', 'x', 'y', 'withscores')), ['x', 'y']);
  assert.deepEqual(readKeys({ name: 'sintercard', firstKey: 0, lastKey: 0, keyStep: 0 }, argv('sintercard', '3', 'x')), []);
  assert.deepEqual(readKeys({ name: 'xread', firstKey: 0, lastKey: 0, keyStep: 0 }, argv('xread', 'count', '1', 'streams', 's1', 's2', '0', '0')), ['s1', 's2']);
  assert.deepEqual(readKeys({ name: 'eval_ro', firstKey: 0, lastKey: 0, keyStep: 0 }, argv('eval_ro', 'return 1', '2', 'k1', 'k2', 'arg')), ['k1', 'k2']);
  assert.deepEqual(readKeys({ name: 'dbsize', firstKey: 0, lastKey: 0, keyStep: 0 }, argv('dbsize')), []);
});
