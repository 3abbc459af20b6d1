// The checker's membership rules, fed by hand: a leader's commit is counted against the
// configuration in force (a removed voter or a learner holding the entry does not help), and no
// log may hold two CONFIG entries past the highest committed index. Legal histories stay quiet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMembership } from '../../src/raft/membership.js';
import { EntryKind } from '../../src/raft/types.js';
import type { Entry, HardState, Ready } from '../../src/raft/types.js';
import { InvariantChecker } from '../../src/sim/invariants.js';
import { Trace } from '../../src/sim/trace.js';

const VOTERS = ['n1', 'n2', 'n3', 'n4', 'n5'];

function checker(): InvariantChecker {
  return new InvariantChecker(new Trace(100), () => 0, () => 'entry', () => VOTERS);
}

function normal(index: number, term: number): Entry {
  return { index, term, kind: EntryKind.NORMAL, data: new Uint8Array([index, term]) };
}

function config(index: number, term: number, voters: string[], learners: string[] = []): Entry {
  return { index, term, kind: EntryKind.CONFIG, data: encodeMembership({ voters, learners }) };
}

function ready(synced: Entry[], hardState: HardState | null): Ready {
  return { softState: null, hardState, snapshot: null, entries: synced, messages: [], committedEntries: [], readStates: [] };
}

const hs = (commitIndex: number): HardState => ({ term: 2, votedFor: 'n1', commitIndex });

test('after n4 and n5 are removed, a commit held by n1 and the removed n4, n5 is a violation', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  // 1: n5 removed, committed; 2: n4 removed, committed (each on a majority of the configuration it made).
  for (const id of ['n1', 'n2', 'n3']) c.persisted(id, ready([config(1, 2, ['n1', 'n2', 'n3', 'n4'])], null));
  c.persisted('n1', ready([config(2, 2, ['n1', 'n2', 'n3'])], hs(1)));
  for (const id of ['n2', 'n3']) c.persisted(id, ready([config(2, 2, ['n1', 'n2', 'n3'])], null));
  c.persisted('n1', ready([], hs(2)));
  assert.equal(c.violation, undefined);
  // The removed n4 and n5 (cut off before they heard of it) still take the leader's entry 3.
  c.persisted('n1', ready([normal(3, 2)], null));
  for (const id of ['n4', 'n5']) c.persisted(id, ready([config(1, 2, ['n1', 'n2', 'n3', 'n4']), config(2, 2, ['n1', 'n2', 'n3']), normal(3, 2)], null));
  c.persisted('n1', ready([], hs(3)));
  assert.match(c.violation ?? '', /Commit safety: leader n1 committed 3@2 in term 2, but only n1 of 3 voters \(n1,n2,n3\)/);
});

test('learners holding an entry do not make a commit', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  c.persisted('n1', ready([config(1, 2, VOTERS, ['n6', 'n7'])], null));
  for (const id of ['n2', 'n3']) c.persisted(id, ready([config(1, 2, VOTERS, ['n6', 'n7'])], null));
  c.persisted('n1', ready([], hs(1)));
  for (const id of ['n1', 'n6', 'n7']) c.persisted(id, ready(id === 'n1' ? [normal(2, 2)] : [config(1, 2, VOTERS, ['n6', 'n7']), normal(2, 2)], null));
  c.persisted('n1', ready([], hs(2)));
  assert.match(c.violation ?? '', /only n1 of 5 voters/);
});

test('a commit counted under the configuration appended in the same Ready is legal, and so is one under the previous', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  for (const id of ['n1', 'n2', 'n3']) c.persisted(id, ready([normal(1, 2)], null));
  // n1 commits 1 (held by n1,n2,n3 of five) in the Ready that appends a change removing n5.
  c.persisted('n1', ready([config(2, 2, ['n1', 'n2', 'n3', 'n4'])], hs(1)));
  assert.equal(c.violation, undefined);
  for (const id of ['n2', 'n3']) c.persisted(id, ready([config(2, 2, ['n1', 'n2', 'n3', 'n4'])], null));
  c.persisted('n1', ready([], hs(2)));
  assert.equal(c.violation, undefined);
});

test('two CONFIG entries past the committed index in one log are a violation', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  for (const id of ['n1', 'n2', 'n3']) c.persisted(id, ready([normal(1, 2)], null));
  c.persisted('n1', ready([config(2, 2, VOTERS, ['n6'])], hs(1)));
  assert.equal(c.violation, undefined);
  c.persisted('n1', ready([config(3, 2, [...VOTERS, 'n6'])], null));
  assert.match(c.violation ?? '', /Membership: n1's log holds 2 uncommitted configuration changes \(committed up to 1\)/);
});

test('a second change appended once the first is committed is legal, even on a follower that has not heard of the commit', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  const first = config(1, 2, VOTERS, ['n6']);
  for (const id of ['n1', 'n2', 'n3']) c.persisted(id, ready([first], null));
  c.persisted('n1', ready([config(2, 2, [...VOTERS, 'n6'])], hs(1)));
  c.persisted('n4', ready([first, config(2, 2, [...VOTERS, 'n6'])], { term: 2, votedFor: null, commitIndex: 0 }));
  assert.equal(c.violation, undefined);
  assert.deepEqual(c.committedMembership(), { voters: VOTERS, learners: ['n6'] });
});
