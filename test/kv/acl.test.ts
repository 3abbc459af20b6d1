// The replicated ACL in kv/: rules applied at apply time, all or nothing; clear passwords refused
// (only digests reach the state); describing rules rebuilds the same bitmap; the snapshot section
// round-trips, is absent until the ACL changes, and two states given the same entries agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { KvState } from '../../src/kv/state.js';
import { describeUser } from '../../src/kv/acl/describe.js';
import { encodeUserList } from '../../src/kv/acl/acl-command.js';
import type { Reply } from '../../src/lib/reply.js';

const run = (state: KvState, ...args: string[]): Reply => state.execute(args.map((a) => Buffer.from(a, 'latin1')), 1_000);
const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
const listing = (state: KvState): string[] => state.acl.sorted().map(({ user }) => `${user.name} ${describeUser(user)}`);

test('SETUSER applies all its rules or none', () => {
  const state = new KvState();
  assert.deepEqual(run(state, 'acl', 'setuser', 'u', 'on', '~a*', '+get'), { type: 'simple', value: 'OK' });
  const refused = run(state, 'acl', 'setuser', 'u', 'off', '+nosuch');
  assert.equal(refused.type, 'error');
  assert.deepEqual(listing(state), ['default on nopass ~* &* +@all', 'u on ~a* resetchannels -@all +get']);
});

test('a clear password never reaches the state: > and < are refused at apply', () => {
  const state = new KvState();
  const reply = run(state, 'acl', 'setuser', 'u', 'on', '>secret');
  assert.equal(reply.type, 'error');
  assert.ok(!JSON.stringify(reply).includes('secret'), 'the refusal does not echo the password');
  assert.equal(state.acl.get('u'), undefined);
  assert.deepEqual(run(state, 'acl', 'setuser', 'u', 'on', `#${digest('secret')}`), { type: 'simple', value: 'OK' });
  assert.deepEqual(state.acl.get('u')?.user.passwords, [digest('secret')]);
});

test('described rules rebuild the same user (categories, first-args, selectors, key permissions)', () => {
  const state = new KvState();
  run(state, 'acl', 'setuser', 'u', 'on', 'nopass', '+@all', '-@dangerous', '-get', '%R~r:*', '%W~w:*', '&c', '(+set ~s:*)');
  run(state, 'acl', 'setuser', 'v', '-@all', '+select|0', '+config|get', '+@hash', '-hset');
  for (const { user } of state.acl.sorted()) {
    const again = new KvState();
    run(again, 'acl', 'setuser', user.name, ...describeUser(user).split(' ').filter((op) => op !== ''));
    assert.equal(describeUser(again.acl.get(user.name)!.user), describeUser(user), user.name);
    assert.deepEqual([...again.acl.get(user.name)!.user.root.bits], [...user.root.bits]);
  }
});

test('DELUSER refuses default and counts the users it removed; LOAD replaces every user but default', () => {
  const state = new KvState();
  run(state, 'acl', 'setuser', 'a');
  run(state, 'acl', 'setuser', 'b');
  assert.equal((run(state, 'acl', 'deluser', 'default', 'a') as { message: string }).message, "ERR The 'default' user cannot be removed");
  assert.deepEqual(run(state, 'acl', 'deluser', 'a', 'nosuch'), { type: 'integer', value: 1 });
  const before = state.acl.get('b')!.incarnation;
  assert.deepEqual(run(state, 'acl', 'load', ...encodeUserList([['b', ['on']], ['c', ['off']]])), { type: 'simple', value: 'OK' });
  assert.notEqual(state.acl.get('b')!.incarnation, before, 'a loaded user is a new incarnation');
  assert.deepEqual(state.acl.sorted().map((u) => u.user.name), ['b', 'c', 'default']);
});

test('SEED loads only an ACL no entry has changed', () => {
  const fresh = new KvState();
  run(fresh, 'acl', 'seed', ...encodeUserList([['s', ['on', 'nopass']]]));
  assert.ok(fresh.acl.get('s') !== undefined);
  run(fresh, 'acl', 'seed', ...encodeUserList([['t', ['on']]]));
  assert.equal(fresh.acl.get('t'), undefined, 'the second seed changes nothing');
});

test('the snapshot holds the ACL only once it changed, and round-trips it', () => {
  const plain = new KvState();
  run(plain, 'set', 'k', 'v');
  assert.ok(!Buffer.from(plain.encodeSnapshot()).includes('CAIRNACL'));
  const state = new KvState();
  run(state, 'acl', 'setuser', 'u', 'on', `#${digest('p')}`, '~k*', '(+get ~g*)');
  run(state, 'acl', 'deluser', 'nosuch');
  const bytes = state.encodeSnapshot();
  const restored = KvState.decodeSnapshot(bytes);
  assert.deepEqual(listing(restored), listing(state));
  assert.equal(restored.acl.get('u')!.incarnation, state.acl.get('u')!.incarnation);
  assert.deepEqual(Buffer.from(restored.encodeSnapshot()), Buffer.from(bytes));
  const corrupt = Buffer.from(bytes);
  corrupt[12] = 0xff;
  assert.throws(() => KvState.decodeSnapshot(corrupt));
});

test('scripts cannot change the ACL (Redis: not allowed from scripts)', () => {
  const state = new KvState();
  const reply = run(state, 'eval', "return redis.call('acl','setuser','x','on')", '0');
  assert.equal(reply.type, 'error');
  assert.match((reply as { message: string }).message, /This Redis command is not allowed from script/);
  assert.equal(state.acl.get('x'), undefined);
});
