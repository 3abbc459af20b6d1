// The checker's commit-safety rules, fed by hand: a leader's commit must be durable on a majority
// of voters, and a follower must never count a stale entry as committed. (No seed breaks them with
// the real core; these prove the rules bite and stay quiet on a legal history.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry, HardState, Ready } from '../../src/raft/types.js';
import { InvariantChecker } from '../../src/sim/invariants.js';
import { Trace } from '../../src/sim/trace.js';

const VOTERS = ['n1', 'n2', 'n3', 'n4', 'n5'];

function checker(): InvariantChecker {
  return new InvariantChecker(new Trace(100), () => 0, () => 'entry', () => VOTERS);
}

function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, kind: 0, data: new Uint8Array([from + i, term]) }));
}

function ready(synced: Entry[], hardState: HardState | null): Ready {
  return { softState: null, hardState, snapshot: null, entries: synced, messages: [], committedEntries: [], readStates: [] };
}

test('a leader commit held by only two of five voters is a violation', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  c.persisted('n1', ready(entries(1, 3, 2), null));
  c.persisted('n2', ready(entries(1, 3, 2), null));
  c.persisted('n3', ready(entries(1, 1, 2), null));
  c.persisted('n1', ready([], { term: 2, votedFor: 'n1', commitIndex: 3 }));
  assert.match(c.violation ?? '', /Commit safety: leader n1 committed 3@2 in term 2, but only n1,n2 of 5 voters/);
});

test('a leader commit held by three of five voters is legal', () => {
  const c = checker();
  c.leaderElected('n1', 2);
  for (const id of ['n1', 'n2', 'n3']) c.persisted(id, ready(entries(1, 3, 2), null));
  c.persisted('n1', ready([], { term: 2, votedFor: 'n1', commitIndex: 3 }));
  assert.equal(c.violation, undefined);
});

test('a follower that counts a stale entry as committed is a violation', () => {
  const c = checker();
  c.leaderElected('n1', 3);
  for (const id of ['n1', 'n2', 'n3']) c.persisted(id, ready([...entries(1, 2, 1), ...entries(3, 4, 3)], null));
  c.persisted('n1', ready([], { term: 3, votedFor: 'n1', commitIndex: 4 }));
  assert.equal(c.violation, undefined);
  // n4 kept a tail of term 2 from an older leader and counts it as committed.
  c.persisted('n4', ready([...entries(1, 2, 1), ...entries(3, 4, 2)], { term: 3, votedFor: null, commitIndex: 4 }));
  assert.match(c.violation ?? '', /Commit safety: n4 counts 3@2 as committed in term 3 but 3@3 was committed by term 3/);
});
