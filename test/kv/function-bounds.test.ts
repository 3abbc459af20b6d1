// Functions are bounded and deterministic as EVAL is: a runaway library load or function call stops
// at the instruction budget (on every replica alike), nothing of a failed load stays, and two
// replicas applying the same entries (math.random, redis.call('TIME')) answer and end alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { argv, plain } from './helpers.js';

const NOW_MS = 1_000_000;

test('a runaway load or call stops at the instruction budget; a failed load leaves nothing behind', () => {
  const state = new KvState({ scriptMaxInstructions: 100_000 });
  const stuck = plain(state.execute(argv('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('early', function() return 1 end)\nwhile true do end"), NOW_MS));
  assert.match(JSON.stringify(stuck), /Error registering functions: ERR Script stopped: instruction limit/);
  assert.match(JSON.stringify(plain(state.execute(argv('FCALL', 'early', '0'), NOW_MS))), /Function not found/);
  assert.deepEqual(plain(state.execute(argv('FUNCTION', 'LIST'), NOW_MS)), []);
  assert.equal(plain(state.execute(argv('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('spin', function() while true do end end)"), NOW_MS)), 'a');
  assert.match(JSON.stringify(plain(state.execute(argv('FCALL', 'spin', '0'), NOW_MS))), /Function stopped after 100000 Lua instructions/);
});

test('two replicas applying the same FUNCTION LOAD and FCALL entries answer and end alike', () => {
  const library = "#!lua name=dice\nredis.register_function('roll', function(keys) local t = redis.call('TIME'); return redis.call('RPUSH', keys[1], math.random(1000000) .. ':' .. t[1]) end)";
  const entries = [
    encodeEntry({ nowMs: NOW_MS, commands: [argv('FUNCTION', 'LOAD', library)] }),
    ...[1, 2, 3].map((i) => encodeEntry({ nowMs: NOW_MS + i * 1000, commands: [argv('FCALL', 'roll', '1', 'rolls')] })),
  ];
  const replicas = [new KvState(), new KvState()];
  for (const replica of replicas) for (const entry of entries) applyEntry(replica, entry);
  const rolls = replicas.map((replica) => plain(replica.execute(argv('LRANGE', 'rolls', '0', '-1'), NOW_MS)));
  assert.equal((rolls[0] as unknown[]).length, 3);
  assert.deepEqual(rolls[1], rolls[0]);
  assert.deepEqual(Buffer.from(replicas[1]!.encodeSnapshot()), Buffer.from(replicas[0]!.encodeSnapshot()));
});
