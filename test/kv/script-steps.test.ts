// Long scripts and functions apply in steps (KvState.executeSteps, applyDecodedInSteps): the same
// replies and the same state as running them at once, the commands after one in the same entry
// wait for its end, and a short script never leaves steps behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { Reply } from '../../src/lib/reply.js';
import { applyDecoded, applyDecodedInSteps } from '../../src/kv/entry.js';
import { KvState } from '../../src/kv/state.js';

const b = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const argv = (...parts: string[]): Uint8Array[] => parts.map(b);
const LONG = "redis.call('set', KEYS[1], 'half') local x = 0 for i = 1, 400000 do x = x + i end redis.call('set', KEYS[1], 'done') return x";
const LIBRARY = "#!lua name=steps\nredis.register_function('long', function(keys, args) redis.call('set', keys[1], 'half') local x = 0 for i = 1, 400000 do x = x + i end redis.call('set', keys[1], 'done') return x end)";

function stepsToEnd(state: KvState, command: Uint8Array[]): { reply: Reply; steps: number } {
  const first = state.executeSteps(command, 1);
  assert.ok('step' in first, 'a long script is handed back as steps');
  let steps = 0;
  for (;;) {
    steps++;
    const reply = first.step(2000);
    if (reply !== null) return { reply, steps };
    assert.equal(state.getValue('k', 1)?.toString(), 'half', 'between steps the script is half done');
  }
}

test('a long EVAL and a long FCALL give in steps what they give at once', () => {
  for (const [setup, command] of [
    [[] as Uint8Array[][], argv('EVAL', LONG, '1', 'k')],
    [[argv('FUNCTION', 'LOAD', LIBRARY)], argv('FCALL', 'long', '1', 'k')],
  ] as const) {
    const stepped = new KvState();
    const atOnce = new KvState();
    for (const s of setup) assert.deepEqual(stepped.execute(s, 1), atOnce.execute(s, 1));
    const { reply, steps } = stepsToEnd(stepped, command);
    assert.ok(steps > 1, `more than one step (${steps})`);
    assert.deepEqual(reply, atOnce.execute(command, 1));
    assert.deepEqual(reply, { type: 'integer', value: 80000200000 });
    assert.deepEqual(Buffer.from(stepped.encodeSnapshot()), Buffer.from(atOnce.encodeSnapshot()));
  }
});

test('in an entry, the commands after a long script run once it ended; a short script is never steps', () => {
  const entry = { nowMs: 1, commands: [argv('SET', 'before', '1'), argv('EVAL', LONG, '1', 'k'), argv('SET', 'after', '1')] };
  const state = new KvState();
  const applied = applyDecodedInSteps(state, entry);
  assert.ok(!Array.isArray(applied));
  assert.equal(state.getValue('before', 1)?.toString(), '1');
  let replies: Reply[] | null = null;
  while ((replies = applied.step(2000)) === null) assert.equal(state.getValue('after', 1), undefined, 'not before the script ended');
  assert.deepEqual(replies, applyDecoded(new KvState(), entry));
  assert.ok(Array.isArray(applyDecodedInSteps(new KvState(), { nowMs: 1, commands: [argv('EVAL', 'return 1', '0')] })));
});
