// A script's commands checked in kv against the caller CAIRN.ASCALLER names, at apply time: refused
// commands answer Redis's error and leave their refusals under the script's reply (also when the
// script ends in steps); a caller whose user is gone or another incarnation runs nothing; two states
// given the same entries (an ACL change between two scripts) agree; and a caller without
// restrictions costs one user lookup per script, none per redis.call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvState } from '../../src/kv/state.js';
import { applyEntry, encodeEntry } from '../../src/kv/entry.js';
import { runToEnd } from '../../src/kv/databases-snapshot.js';
import { withCaller } from '../../src/kv/acl/script-caller.js';
import type { Reply } from '../../src/lib/reply.js';

const bytes = (args: readonly string[]): Buffer[] => args.map((a) => Buffer.from(a, 'latin1'));
const run = (state: KvState, ...args: string[]): Reply => state.execute(bytes(args), 1_000);

function asUser(state: KvState, user: string, ...args: string[]): Reply {
  const incarnation = state.acl.get(user)?.incarnation ?? -1;
  return state.execute(withCaller({ user, incarnation }, bytes(args)), 1_000);
}

const PCALL_DEL = "redis.call('set', 'k:1', 'a') return redis.pcall('del', 'k:1')";
const REFUSED_DEL: Reply = { type: 'error', message: "ERR The user executing the script can't run this command or subcommand" };

test("a script's command the caller may not run is refused, and the refusal kept under the reply", () => {
  const state = new KvState();
  run(state, 'acl', 'setuser', 'bob', 'on', 'nopass', '~k:*', '+@all', '-del');
  const reply = asUser(state, 'bob', 'eval', PCALL_DEL, '0');
  assert.deepEqual(reply, REFUSED_DEL);
  assert.deepEqual(state.acl.takeDenials(reply), [{ reason: 'command', object: 'del' }]);
  assert.equal(state.acl.takeDenials(reply), undefined, 'taken once');
  assert.deepEqual(run(state, 'get', 'k:1'), { type: 'bulk', value: Buffer.from('a') });
  const key = asUser(state, 'bob', 'eval', "return redis.call('set', 'other', 'x')", '0');
  assert.match(key.type === 'error' ? key.message : '', /^ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: /);
  assert.deepEqual(state.acl.takeDenials(key), [{ reason: 'key', object: 'other' }]);
  // Without a caller (Cairn's own entries, a log written before callers were carried) nothing is checked.
  assert.deepEqual(run(state, 'eval', PCALL_DEL, '0'), { type: 'integer', value: 1 });
});

test('a caller whose user was deleted or made again runs nothing', () => {
  const state = new KvState();
  run(state, 'acl', 'setuser', 'bob', 'on', 'nopass', '~*', '+@all');
  const old = state.acl.get('bob')!.incarnation;
  run(state, 'acl', 'deluser', 'bob');
  const gone = state.execute(withCaller({ user: 'bob', incarnation: old }, bytes(['eval', "return redis.call('set', 'k', 'v')", '0'])), 1_000);
  assert.deepEqual(gone, { type: 'error', message: 'NOAUTH Authentication required.' });
  run(state, 'acl', 'setuser', 'bob', 'on', 'nopass', '~*', '+@all');
  const again = state.execute(withCaller({ user: 'bob', incarnation: old }, bytes(['eval', "return redis.call('set', 'k', 'v')", '0'])), 1_000);
  assert.deepEqual(again, { type: 'error', message: 'NOAUTH Authentication required.' });
  assert.deepEqual(run(state, 'exists', 'k'), { type: 'integer', value: 0 });
  assert.deepEqual(run(state, 'cairn.ascaller', 'bob', '1', 'set', 'k', 'v'), { type: 'error', message: 'ERR CAIRN.ASCALLER runs only a script command' });
});

test('two states given the same entries decide alike: the rules at each entry’s index count', () => {
  const entries = [
    { nowMs: 1_000, commands: [bytes(['acl', 'setuser', 'bob', 'on', 'nopass', '~k:*', '+@all'])] },
    { nowMs: 1_001, commands: [withCaller({ user: 'bob', incarnation: 1 }, bytes(['eval', PCALL_DEL, '0']))] },
    { nowMs: 1_002, commands: [bytes(['acl', 'setuser', 'bob', '-del'])] },
    { nowMs: 1_003, commands: [withCaller({ user: 'bob', incarnation: 1 }, bytes(['eval', PCALL_DEL, '0']))] },
  ].map(encodeEntry);
  const states = [new KvState(), new KvState()];
  const replies = states.map((state) => entries.map((entry) => applyEntry(state, entry)[0]));
  assert.deepEqual(replies[0]![1], { type: 'integer', value: 1 }, 'before -del, DEL runs');
  assert.deepEqual(replies[0]![3], REFUSED_DEL, 'after it, DEL is refused');
  assert.deepEqual(replies[0], replies[1]);
  assert.deepEqual(states[0]!.encodeSnapshot(), states[1]!.encodeSnapshot());
});

test('a script that ends in steps hands its refusals on with its last reply', () => {
  const state = new KvState();
  run(state, 'acl', 'setuser', 'bob', 'on', 'nopass', '~*', '+@all', '-del');
  const body = "local n = 0 for i = 1, 300000 do n = n + i end redis.pcall('del', 'x') return n";
  const steps = state.executeSteps(withCaller({ user: 'bob', incarnation: state.acl.get('bob')!.incarnation }, bytes(['eval', body, '0'])), 1_000);
  assert.ok('step' in steps, 'the script runs past its first slice');
  assert.equal(state.scriptRunning?.kind, 'eval');
  const reply = runToEnd(steps);
  assert.equal(reply.type, 'integer');
  assert.deepEqual(state.acl.takeDenials(reply), [{ reason: 'command', object: 'del' }]);
});

test('a caller without restrictions costs one user lookup per script, none per redis.call', () => {
  const state = new KvState();
  const registry = state.acl;
  const get = registry.get.bind(registry);
  let lookups = 0;
  registry.get = (name) => {
    lookups++;
    return get(name);
  };
  const reply = state.execute(withCaller({ user: 'default', incarnation: 0 }, bytes(['eval', "for i = 1, 100 do redis.call('incr', 'n') end return redis.call('get', 'n')", '0'])), 1_000);
  assert.deepEqual(reply, { type: 'bulk', value: Buffer.from('100') });
  assert.equal(lookups, 1);
});
