// The change history at the state machine (kv/change-history.ts, changes-stream.ts): each applied
// entry that changed something is the next revision, its changes `<revision>-<i>` in the order the
// commands raised them, read as the stream `__cairn:changes`; retention by changes, bytes and age
// trims whole revisions and never the newest; a read from a trimmed ID answers COMPACTED; writes to
// the feed are refused (scripts too); the snapshot keeps it all, snapshots written before the feed
// still load, and two states fed the same entries (one of them restored midway) stay identical.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { applyDecoded, type Entry } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';
import { Prng } from '../../src/lib/prng.js';
import { argv, plain, type Plain } from './helpers.js';

const FEED = '__cairn:changes';

function apply(state: KvState, nowMs: number, ...commands: string[][]): Plain[] {
  return applyDecoded(state, { nowMs, commands: commands.map((c) => argv(...c)) }).map(plain);
}

function read(state: KvState, ...parts: string[]): Plain {
  return plain(state.execute(argv(...parts), 0));
}

/** The IDs the feed holds. */
function ids(state: KvState): Plain[] {
  return (read(state, 'XRANGE', FEED, '-', '+') as Plain[][]).map((entry) => entry[0] as Plain);
}

test('each entry that changed something is the next revision; its changes are numbered in order', () => {
  const state = new KvState();
  apply(state, 10, ['SET', 'a', '1'], ['SET', 'b', 'two'], ['DEL', 'a', 'missing']);
  apply(state, 11, ['GET', 'b']); // changed nothing: no revision
  apply(state, 12, ['DEL', 'missing']);
  applyDecoded(state, { nowMs: 13, commands: [argv('SET', 'c', '3')], dbs: [4] });
  assert.equal(state.revision, 2);
  assert.deepEqual(read(state, 'CAIRN.REVISION'), 2);
  assert.deepEqual(read(state, 'XRANGE', FEED, '-', '+'), [
    ['1-0', ['op', 'set', 'key', 'a', 'value', '1']],
    ['1-1', ['op', 'set', 'key', 'b', 'value', 'two']],
    ['1-2', ['op', 'del', 'key', 'a']],
    ['2-0', ['op', 'set', 'key', 'c', 'value', '3', 'db', '4']],
  ]);
  assert.deepEqual(read(state, 'XREVRANGE', FEED, '+', '(1-1', 'COUNT', '1'), [['2-0', ['op', 'set', 'key', 'c', 'value', '3', 'db', '4']]]);
  assert.deepEqual(read(state, 'XREAD', 'COUNT', '1', 'STREAMS', FEED, '1-0'), [[FEED, [['1-1', ['op', 'set', 'key', 'b', 'value', 'two']]]]]);
  assert.deepEqual(read(state, 'XREAD', 'STREAMS', FEED, '2-0'), null, 'nothing after the last change');
  assert.deepEqual(read(state, 'XLEN', FEED), 4);
  assert.deepEqual(read(state, 'TYPE', FEED), { simple: 'stream' });
  assert.deepEqual(read(state, 'EXISTS', FEED), 1);
  assert.deepEqual(plain(state.execute(argv('TYPE', FEED), 0, 7)), { simple: 'stream' }, 'every database sees it');
  assert.deepEqual((read(state, 'KEYS', '*') as Plain[]).sort(), ['b'], 'no database holds it');
});

test('a write naming the feed is refused, from a client, a transaction or a script; a read mixing it with keys too', () => {
  const state = new KvState();
  const refused = { error: `ERR ${FEED} is Cairn's read-only change feed: writing to it is refused` };
  const writes = [['XADD', FEED, '*', 'f', 'v'], ['SET', FEED, 'x'], ['DEL', FEED], ['EXPIRE', FEED, '10'], ['RENAME', 'a', FEED],
    ['XGROUP', 'CREATE', FEED, 'g', '$'], ['XTRIM', FEED, 'MAXLEN', '0'], ['MSET', 'a', '1', FEED, '2'], ['COPY', FEED, 'b']];
  apply(state, 1, ['SET', 'a', '1']);
  for (const write of writes) assert.deepEqual(apply(state, 2, write), [refused], write.join(' '));
  const script = apply(state, 2, ['EVAL', `return redis.pcall('XADD', KEYS[1], '*', 'f', 'v')`, '1', FEED]);
  assert.deepEqual(script, [refused]);
  assert.deepEqual(read(state, 'EXISTS', FEED, 'a'), { error: `ERR ${FEED} cannot be read in one command with other keys` });
  assert.deepEqual(read(state, 'XLEN', FEED), 1, 'only the SET of a changed anything');
  assert.deepEqual(read(state, 'GET', FEED), { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
});

test('retention trims whole revisions (changes, bytes, age) but never the newest; trimmed IDs answer COMPACTED', () => {
  const state = new KvState();
  assert.deepEqual(apply(state, 0, ['CAIRN.RETENTION', 'MAXCHANGES', '4']), [['maxchanges', 4, 'maxbytes', 64 * 1024 * 1024, 'maxage', 3_600_000]]);
  for (let i = 1; i <= 5; i++) apply(state, i, ['SET', `k${i}`, 'v'], ['SET', `j${i}`, 'v']);
  assert.deepEqual(ids(state), ['4-0', '4-1', '5-0', '5-1']);
  const compacted = { error: 'COMPACTED 3-0 is compacted: changes up to 3-1 were trimmed, the oldest retained revision is 4' };
  assert.deepEqual(read(state, 'XREAD', 'STREAMS', FEED, '3-0'), compacted);
  assert.deepEqual(read(state, 'XRANGE', FEED, '3', '+'), compacted);
  assert.deepEqual(read(state, 'XREVRANGE', FEED, '+', '(3-0'), { error: compacted.error.replace('3-0 is', '3-1 is') }, 'the first ID wanted');
  assert.deepEqual((read(state, 'XREAD', 'STREAMS', FEED, '3-1') as Plain[]).length, 1, 'the last trimmed ID is where a reader can go on');
  assert.deepEqual((read(state, 'XRANGE', FEED, '(3-1', '+') as Plain[]).length, 4);
  assert.deepEqual(read(state, 'XREAD', 'STREAMS', FEED, '0'), { error: 'COMPACTED 0-0 is compacted: changes up to 3-1 were trimmed, the oldest retained revision is 4' });
  apply(state, 6, ['CAIRN.RETENTION', 'MAXCHANGES', '1']);
  assert.deepEqual(ids(state), ['5-0', '5-1'], 'the newest revision stays whole');
  apply(state, 6, ['CAIRN.RETENTION', 'MAXCHANGES', '1000', 'MAXAGE', '100']);
  apply(state, 200, ['SET', 'x', '1']);
  apply(state, 250, ['SET', 'y', '1']);
  assert.deepEqual(ids(state), ['6-0', '7-0'], 'revision 5 (time 5) is older than 100 ms at 200');
  apply(state, 251, ['CAIRN.RETENTION', 'MAXBYTES', '1']);
  apply(state, 252, ['SET', 'big', 'x'.repeat(1000)]);
  assert.deepEqual(ids(state), ['8-0']);
  assert.deepEqual(apply(state, 253, ['CAIRN.RETENTION', 'MAXAGE', '0']), [{ error: 'ERR retention values must be positive integers' }]);
});

test('past a bound, trimming goes a sixteenth below it at once (in batches), never above it', () => {
  const state = new KvState();
  apply(state, 0, ['CAIRN.RETENTION', 'MAXCHANGES', '32']);
  const lengths: number[] = [];
  for (let i = 1; i <= 40; i++) {
    apply(state, i, ['SET', `k${i}`, 'v']);
    lengths.push(read(state, 'XLEN', FEED) as number);
  }
  assert.deepEqual(lengths.slice(28), [29, 30, 31, 32, 30, 31, 32, 30, 31, 32, 30, 31]);
});

/** Random entries over a few keys and databases: strings, lists, deletes, transactions, flushes. */
function randomEntries(seed: number, count: number): Entry[] {
  const prng = new Prng(seed);
  const entries: Entry[] = [];
  const commandOf = (): string[] => {
    const key = `k${prng.int(0, 8 - 1)}`;
    const pick = prng.int(0, 7 - 1);
    if (pick === 0) return ['DEL', key];
    if (pick === 1) return ['RPUSH', `l${key}`, String(prng.int(0, 100 - 1))];
    if (pick === 2) return ['GET', key];
    if (pick === 3 && prng.int(0, 10 - 1) === 0) return ['FLUSHDB'];
    return ['SET', key, 'v'.repeat(prng.int(0, 50 - 1))];
  };
  for (let i = 0; i < count; i++) {
    const commands = Array.from({ length: 1 + prng.int(0, 3 - 1) }, commandOf).map((c) => argv(...c));
    entries.push({ nowMs: i * 7, commands, dbs: commands.map(() => prng.int(0, 3 - 1)) });
  }
  return entries;
}

test('two states fed the same entries keep the same history, one restored from a snapshot midway included', () => {
  const entries = randomEntries(13, 400);
  const a = new KvState();
  let b = new KvState();
  applyDecoded(a, { nowMs: 0, commands: [argv('CAIRN.RETENTION', 'MAXCHANGES', '150', 'MAXAGE', '1500')] });
  applyDecoded(b, { nowMs: 0, commands: [argv('CAIRN.RETENTION', 'MAXCHANGES', '150', 'MAXAGE', '1500')] });
  for (const [i, entry] of entries.entries()) {
    applyDecoded(a, entry);
    applyDecoded(b, entry);
    if (i % 97 === 50) b = KvState.decodeSnapshot(b.encodeSnapshot());
  }
  assert.ok(a.revision > 300, `most entries changed something (revision ${a.revision})`);
  assert.deepEqual(Buffer.from(b.encodeSnapshot()), Buffer.from(a.encodeSnapshot()));
  for (const command of [['XRANGE', FEED, '-', '+'], ['CAIRN.REVISION'], ['XREAD', 'STREAMS', FEED, '0']]) {
    assert.deepEqual(read(b, ...command), read(a, ...command), command.join(' '));
  }
  // XINFO STREAM alike but for the radix tree's figures, which describe how the nodes were cut.
  const info = (state: KvState): Plain[] => (read(state, 'XINFO', 'STREAM', FEED) as Plain[]).filter((_, i, all) => !String(all[i - (i % 2)]).startsWith('radix-tree'));
  assert.deepEqual(info(b), info(a));
  assert.deepEqual((read(a, 'XREAD', 'STREAMS', FEED, '0') as { error: string }).error.slice(0, 10), 'COMPACTED ');
});

test('the snapshot keeps revision, retention and history; a state that never changed writes no section', () => {
  const fresh = new KvState();
  assert.notEqual(Buffer.from(fresh.encodeSnapshot()).toString('latin1', 0, 8), 'CAIRNCHG');
  const state = new KvState();
  apply(state, 5, ['CAIRN.RETENTION', 'MAXCHANGES', '3']);
  for (let i = 0; i < 4; i++) apply(state, 10 + i, ['SET', `k${i}`, `v${i}`], ['INCR', 'n']);
  const restored = KvState.decodeSnapshot(state.encodeSnapshot());
  assert.equal(restored.revision, state.revision);
  assert.deepEqual(read(restored, 'XRANGE', FEED, '-', '+'), read(state, 'XRANGE', FEED, '-', '+'));
  assert.deepEqual(read(restored, 'XREAD', 'STREAMS', FEED, '0'), read(state, 'XREAD', 'STREAMS', FEED, '0'), 'the same COMPACTED');
  assert.deepEqual(apply(restored, 20, ['CAIRN.RETENTION']), [['maxchanges', 3, 'maxbytes', 64 * 1024 * 1024, 'maxage', 3_600_000]]);
  apply(restored, 21, ['SET', 'after', '1']);
  assert.equal(restored.revision, state.revision + 1);
  const damaged = Buffer.from(state.encodeSnapshot());
  damaged.writeDoubleLE(999, 9); // the revision no longer matches the last one held
  assert.throws(() => KvState.decodeSnapshot(damaged), { code: 'CAIRN_CORRUPT' });
});

test('a snapshot written before the change feed loads with an empty history, and revisions start at 1', () => {
  const old = readFileSync(new URL('./fixtures/pre-changes-snapshot.bin', import.meta.url));
  const state = KvState.decodeSnapshot(old);
  assert.equal(state.revision, 0);
  assert.deepEqual(read(state, 'GET', 'a'), '1');
  assert.deepEqual(plain(state.execute(argv('GET', 'b'), 0, 3)), '2');
  assert.deepEqual(read(state, 'FCALL', 'f', '0'), 1);
  assert.deepEqual(read(state, 'XLEN', FEED), 0);
  assert.deepEqual(Buffer.from(state.encodeSnapshot()), old, 'and it writes the same bytes back');
  apply(state, 1, ['SET', 'a', '2']);
  assert.deepEqual(read(state, 'XRANGE', FEED, '-', '+'), [['1-0', ['op', 'set', 'key', 'a', 'value', '2']]]);
});

test('the history is encoded and decoded in steps of about the budget, to the same bytes and state', () => {
  const state = new KvState();
  const entries = 300;
  for (let i = 0; i < entries; i++) {
    applyDecoded(state, { nowMs: 1 + i, commands: [argv('SET', `k${i % 40}`, `v${i}`), argv('INCR', `n${i % 7}`)] });
  }
  const whole = Buffer.from(state.encodeSnapshot());
  for (const budget of [1, 7, 64]) {
    const encoder = state.snapshotEncoder();
    let steps = 0;
    let bytes: Uint8Array | null = null;
    while (bytes === null) {
      bytes = encoder.step(budget);
      steps++;
    }
    assert.deepEqual(Buffer.from(bytes), whole, `budget ${budget}: the same bytes`);
    // The history alone holds 2 × 300 changes (new keys add theirs to the first ones, not counted here).
    assert.ok(steps >= Math.floor((2 * entries) / budget), `budget ${budget}: ${steps} steps encode at least ${2 * entries} changes in steps`);
    const decoder = KvState.snapshotDecoder(whole);
    let decodeSteps = 0;
    let restored: KvState | null = null;
    while (restored === null) {
      restored = decoder.step(budget);
      decodeSteps++;
    }
    assert.ok(decodeSteps >= Math.floor(entries / budget), `budget ${budget}: decoded in ${decodeSteps} steps`);
    assert.equal(restored.revision, state.revision);
    assert.deepEqual(Buffer.from(restored.encodeSnapshot()), whole);
  }
});
