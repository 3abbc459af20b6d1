// The membership controller's promises as the simulator checks them, fed by hand: a leader may
// promote a learner only once the learner holds, durably, the change that made it a learner; and a
// node may be retired (stopped, wiped) only once a committed configuration no longer counts it as a
// voter. Legal histories stay quiet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMembership } from '../../src/raft/membership.js';
import { EntryKind } from '../../src/raft/types.js';
import type { Entry, Ready } from '../../src/raft/types.js';
import { MembershipInvariants } from '../../src/sim/membership-invariants.js';

const VOTERS = ['n1', 'n2', 'n3'];

function checks(): { invariants: MembershipInvariants; violations: string[] } {
  const violations: string[] = [];
  return { invariants: new MembershipInvariants(() => VOTERS, (message) => violations.push(message)), violations };
}

function normal(index: number, term: number): Entry {
  return { index, term, kind: EntryKind.NORMAL, data: new Uint8Array([index, term]) };
}

function config(index: number, term: number, voters: string[], learners: string[] = []): Entry {
  return { index, term, kind: EntryKind.CONFIG, data: encodeMembership({ voters, learners }) };
}

function ready(synced: Entry[]): Ready {
  return { softState: null, hardState: null, snapshot: null, entries: synced, messages: [], committedEntries: [], readStates: [] };
}

/** n1 leads: two writes, then n4 joins as a learner at index 3 (n2 and n3 follow). */
function learnerAdded(invariants: MembershipInvariants): Entry[] {
  const log = [normal(1, 2), normal(2, 2), config(3, 2, VOTERS, ['n4'])];
  for (const id of VOTERS) invariants.persisted(id, ready(log));
  return log;
}

test('a learner promoted before its log reaches the change that added it is a violation', () => {
  const { invariants, violations } = checks();
  learnerAdded(invariants);
  invariants.persisted('n4', ready([normal(1, 2), normal(2, 2)]));
  invariants.persisted('n1', ready([config(4, 2, [...VOTERS, 'n4'])]));
  assert.equal(invariants.promotionsChecked, 1);
  assert.equal(violations.length, 1);
  assert.match(violations[0] ?? '', /leader n1 promotes n4 to voter at 4@2 before it caught up: it became a learner at 3@2 but holds durably up to 2/);
});

test('a learner that holds nothing at all when promoted is a violation', () => {
  const { invariants, violations } = checks();
  learnerAdded(invariants);
  invariants.persisted('n1', ready([config(4, 2, [...VOTERS, 'n4'])]));
  assert.match(violations[0] ?? '', /holds durably nothing \(no log\)/);
});

test('a learner promoted once it holds the change that added it (by log or by snapshot) is legal, and only the leader\'s append is checked', () => {
  const { invariants, violations } = checks();
  const log = learnerAdded(invariants);
  invariants.persisted('n4', ready(log));
  invariants.persisted('n1', ready([config(4, 2, [...VOTERS, 'n4'])]));
  // A follower appending the same promotion later is not a second promotion.
  invariants.persisted('n2', ready([config(4, 2, [...VOTERS, 'n4'])]));
  assert.equal(invariants.promotionsChecked, 1);
  assert.deepEqual(violations, []);

  const second = checks();
  learnerAdded(second.invariants);
  second.invariants.loaded('n4', {
    hardState: { term: 2, votedFor: null, commitIndex: 3 },
    snapshot: { meta: { index: 3, term: 2, membership: { voters: VOTERS, learners: ['n4'] } }, data: new Uint8Array() },
    entries: [],
  });
  second.invariants.persisted('n1', ready([config(4, 2, [...VOTERS, 'n4'])]));
  assert.deepEqual(second.violations, []);
});

test('a voter retired before its removal is committed is a violation; once the removal is applied it may go', () => {
  const { invariants, violations } = checks();
  invariants.retiring('n1');
  assert.match(violations[0] ?? '', /n1 retired \(stopped, storage wiped\) while a voter of the committed configuration at 0 \(voters n1,n2,n3\)/);
  invariants.applied('n2', config(1, 2, ['n2', 'n3']));
  invariants.retiring('n1');
  assert.equal(violations.length, 1);
  // An older configuration applied late on a lagging node does not bring n1 back.
  invariants.applied('n3', config(1, 2, ['n2', 'n3']));
  invariants.retiring('n1');
  assert.equal(violations.length, 1);
});
