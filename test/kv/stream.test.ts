// Unit tests for streams where the differential test cannot look: IDs generated from the entry's
// time (nowMs), deterministic idle and delivery times, BLOCK answered at once, the keys a blocked
// read waits on, streams kept when empty, and the XREAD reply shape in each protocol.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { streamBlockingKeys } from '../../src/kv/streams.js';
import { encodeReply } from '../../src/resp/encode.js';
import { decodeReplies, encodeReplies } from '../../src/server/reply-codec.js';
import { argv, err, OK, session } from './helpers.js';

test('XADD * takes the entry time as the ID, and never goes below the last ID when the clock stands still or goes back', () => {
  const { run, clock } = session(5000);
  assert.equal(run('XADD', 's', '*', 'f', 'v'), '5000-0');
  assert.equal(run('XADD', 's', '*', 'f', 'v'), '5000-1');
  clock.nowMs = 4000;
  assert.equal(run('XADD', 's', '*', 'f', 'v'), '5000-2');
  clock.nowMs = 7000;
  assert.equal(run('XADD', 's', '*', 'f', 'v'), '7000-0');
  assert.equal(run('XADD', 's', '7000-*', 'f', 'v'), '7000-1');
  assert.equal(run('XADD', 's', '8000-*', 'f', 'v'), '8000-0');
  assert.deepEqual(run('XADD', 's', '7999-*', 'f', 'v'), err('ERR The ID specified in XADD is equal or smaller than the target stream top item'));
  assert.equal(run('XADD', 's', '8000-18446744073709551615', 'f', 'v'), '8000-18446744073709551615');
  // Redis 7.0 words the used-up sequence of `<ms>-*` so (redis-server 7.0.15 answers the same).
  assert.deepEqual(run('XADD', 's', '8000-*', 'f', 'v'), err('ERR Elements are too large to be stored'));
  assert.equal(run('XADD', 's', '*', 'f', 'v'), '8001-0');
  assert.equal(run('XADD', 's', '18446744073709551615-18446744073709551615', 'f', 'v'), '18446744073709551615-18446744073709551615');
  assert.deepEqual(run('XADD', 's', '*', 'f', 'v'), err('ERR The stream has exhausted the last possible ID, unable to add more items'));
});

test('two replicas applying the same entries at the same entry times generate the same IDs and state', () => {
  const a = new KvState();
  const b = new KvState();
  const commands = [['XADD', 's', '*', 'a', '1'], ['XADD', 's', '*', 'b', '2'], ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], ['XADD', 's', 'MAXLEN', '~', '1', '*', 'c', '3']];
  commands.forEach((command, i) => {
    const ra = encodeReply(a.execute(argv(...command), 1_700_000_000_000 + (i >> 1)), 3);
    const rb = encodeReply(b.execute(argv(...command), 1_700_000_000_000 + (i >> 1)), 3);
    assert.deepEqual(ra, rb);
  });
  assert.deepEqual(Buffer.from(a.encodeSnapshot()), Buffer.from(b.encodeSnapshot()));
});

test('idle and delivery times come from nowMs: XPENDING, XINFO CONSUMERS, XCLAIM min-idle, XINFO STREAM FULL', () => {
  const { run, clock } = session(10_000);
  run('XADD', 's', '1-1', 'f', 'v');
  run('XADD', 's', '2-1', 'f', 'v');
  run('XGROUP', 'CREATE', 's', 'g', '0');
  assert.deepEqual(run('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>'), [['s', [['1-1', ['f', 'v']], ['2-1', ['f', 'v']]]]]);
  clock.nowMs = 10_750;
  assert.deepEqual(run('XPENDING', 's', 'g', '-', '+', '10'), [['1-1', 'alice', 750, 1], ['2-1', 'alice', 750, 1]]);
  assert.deepEqual(run('XINFO', 'CONSUMERS', 's', 'g'), [['name', 'alice', 'pending', 2, 'idle', 750]]);
  assert.deepEqual(run('XCLAIM', 's', 'g', 'bob', '751', '1-1', 'JUSTID'), []);
  assert.deepEqual(run('XCLAIM', 's', 'g', 'bob', '750', '1-1', 'JUSTID'), ['1-1']);
  assert.deepEqual(run('XPENDING', 's', 'g', 'IDLE', '700', '-', '+', '10'), [['2-1', 'alice', 750, 1]]);
  clock.nowMs = 11_000;
  assert.deepEqual(run('XCLAIM', 's', 'g', 'bob', '0', '2-1', 'IDLE', '300', 'RETRYCOUNT', '9'), [['2-1', ['f', 'v']]]);
  assert.deepEqual(run('XPENDING', 's', 'g', '-', '+', '10', 'bob'), [['1-1', 'bob', 250, 1], ['2-1', 'bob', 300, 9]]);
  const full = run('XINFO', 'STREAM', 's', 'FULL') as unknown[];
  const groups = full[full.indexOf('groups') + 1] as unknown[][];
  const group = groups[0] as unknown[];
  assert.deepEqual(group[group.indexOf('pending') + 1], [['1-1', 'bob', 10_750, 1], ['2-1', 'bob', 10_700, 9]]);
});

test('XAUTOCLAIM walks the PEL from its cursor, drops deleted entries, and creates the consumer only when it claims', () => {
  const { run, clock } = session(1000);
  for (let i = 1; i <= 5; i++) run('XADD', 's', `${i}-0`, 'f', String(i));
  run('XGROUP', 'CREATE', 's', 'g', '0');
  run('XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>');
  run('XDEL', 's', '2-0');
  clock.nowMs = 2000;
  // A deleted entry leaves the PEL whatever its idle time; nothing is claimed, so no consumer appears.
  assert.deepEqual(run('XAUTOCLAIM', 's', 'g', 'b', '5000', '0'), ['0-0', [], ['2-0']]);
  assert.deepEqual(run('XINFO', 'CONSUMERS', 's', 'g'), [['name', 'a', 'pending', 4, 'idle', 1000]]);
  assert.deepEqual(run('XAUTOCLAIM', 's', 'g', 'b', '1000', '0', 'COUNT', '2', 'JUSTID'), ['4-0', ['1-0', '3-0'], []]);
  assert.deepEqual(run('XAUTOCLAIM', 's', 'g', 'b', '0', '3-0', 'COUNT', '2'), ['5-0', [['3-0', ['f', '3']], ['4-0', ['f', '4']]], []]);
  assert.deepEqual(run('XPENDING', 's', 'g'), [4, '1-0', '5-0', [['a', '1'], ['b', '3']]]);
  assert.deepEqual(run('XPENDING', 's', 'g', '-', '+', '10', 'b'), [['1-0', 'b', 0, 1], ['3-0', 'b', 0, 2], ['4-0', 'b', 0, 2]]);
});

test('XREAD and XREADGROUP with BLOCK answer at once: the data when there is some, else the null array', () => {
  const { state, run } = session();
  run('XADD', 's', '1-0', 'f', 'v');
  run('XGROUP', 'CREATE', 's', 'g', '$');
  const nothing = state.execute(argv('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'), 1_000_000);
  assert.equal(encodeReply(nothing, 2).toString(), '*-1\r\n');
  assert.equal(encodeReply(nothing, 3).toString(), '_\r\n');
  assert.equal(run('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '100', 'STREAMS', 's', '>'), null);
  assert.deepEqual(run('XREAD', 'BLOCK', '5000', 'STREAMS', 's', '0'), [['s', [['1-0', ['f', 'v']]]]]);
  assert.deepEqual(run('XREAD', 'BLOCK', '-1', 'STREAMS', 's', '0'), err('ERR timeout is negative'));
  assert.deepEqual(run('XREAD', 'BLOCK', '1.5', 'STREAMS', 's', '0'), err('ERR timeout is not an integer or out of range'));
});

test('streamBlockingKeys names the STREAMS keys of a blocking read, and nothing without BLOCK', () => {
  const keys = (...parts: string[]) => streamBlockingKeys(argv(...parts))?.map((k) => Buffer.from(k).toString());
  assert.deepEqual(keys('XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '0'), ['a', 'b']);
  assert.deepEqual(keys('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'block', '10', 'NOACK', 'STREAMS', 'k', '>'), ['k']);
  assert.deepEqual(keys('XREADGROUP', 'GROUP', 'STREAMS', 'BLOCK', 'BLOCK', '5', 'STREAMS', 'k', '>'), ['k']);
  assert.equal(keys('XREAD', 'COUNT', '5', 'STREAMS', 'a', '$'), undefined);
  assert.equal(keys('XREAD', 'BLOCK', '5', 'STREAMS', 'a', 'b', '$'), undefined);
});

test('a stream emptied by XDEL or XTRIM stays, as in Redis, and keeps its last ID', () => {
  const { run } = session();
  run('XADD', 's', '5-5', 'f', 'v');
  assert.equal(run('XDEL', 's', '5-5'), 1);
  assert.equal(run('EXISTS', 's'), 1);
  assert.deepEqual(run('TYPE', 's'), { simple: 'stream' });
  assert.equal(run('XLEN', 's'), 0);
  assert.deepEqual(run('XADD', 's', '5-5', 'f', 'v'), err('ERR The ID specified in XADD is equal or smaller than the target stream top item'));
  run('XADD', 't', 'MAXLEN', '0', '1-1', 'f', 'v');
  assert.equal(run('XLEN', 't'), 0);
  assert.deepEqual(run('XGROUP', 'CREATE', 'u', 'g', '$', 'MKSTREAM'), OK);
  assert.equal(run('EXISTS', 'u'), 1);
});

test('XREAD replies are an array of [key, entries] pairs in RESP2 and a map in RESP3, and relay losslessly', () => {
  const { state } = session();
  state.execute(argv('XADD', 'k', '1-0', 'f', 'v'), 1);
  const reply = state.execute(argv('XREAD', 'STREAMS', 'k', '0'), 2);
  assert.equal(encodeReply(reply, 2).toString(), '*1\r\n*2\r\n$1\r\nk\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
  assert.equal(encodeReply(reply, 3).toString(), '%1\r\n$1\r\nk\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
  assert.deepEqual(decodeReplies(encodeReplies([reply])), [reply]);
});
