// The hashtable form of a set (kv/set/member-table.ts): its layout depends only on its members and
// capacity (so a snapshot restores the same iteration order), and an SSCAN-style walk returns every
// member present for the whole walk even when the table grows or shrinks between steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { capacityFor, MemberTable } from '../../src/kv/set/member-table.js';

function order(table: MemberTable): string[] {
  const out: string[] = [];
  table.forEach((member) => out.push(member));
  return out;
}

function shuffled<T>(items: readonly T[], prng: Prng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

test('the layout is a function of the members and the capacity, whatever the history', () => {
  const prng = new Prng(11);
  for (let round = 0; round < 30; round++) {
    const members = Array.from({ length: prng.int(1, 400) }, (_, i) => (prng.chance(0.5) ? `m:${i}` : String(prng.int(0, 5000))));
    const unique = [...new Set(members)];
    const churned = new MemberTable(capacityFor(unique.length));
    const extra = Array.from({ length: 50 }, (_, i) => `extra${round}:${i}`);
    for (const member of shuffled([...unique, ...extra], prng)) churned.add(member);
    for (const member of shuffled(extra, prng)) assert.ok(churned.delete(member));
    const fresh = new MemberTable(churned.capacity);
    for (const member of unique.slice().sort()) fresh.add(member);
    assert.deepEqual(order(churned), order(fresh), `round ${round}`);
    for (const member of unique) assert.ok(churned.has(member));
    assert.equal(churned.size, unique.length);
  }
});

test('a table rebuilt at the same capacity from its own order iterates identically', () => {
  const prng = new Prng(5);
  const table = new MemberTable();
  for (let i = 0; i < 3000; i++) table.add(`k${prng.int(0, 5000)}`);
  for (let i = 0; i < 2000; i++) table.delete(`k${prng.int(0, 5000)}`);
  const copy = new MemberTable(table.capacity);
  for (const member of order(table)) copy.add(member);
  assert.deepEqual(order(copy), order(table));
});

test('a full scan returns every member present throughout, across growth and shrinking', () => {
  const prng = new Prng(7);
  for (let round = 0; round < 20; round++) {
    const table = new MemberTable();
    const stable = Array.from({ length: prng.int(1, 300) }, (_, i) => `s${round}:${i}`);
    for (const member of stable) table.add(member);
    const seen = new Set<string>();
    let cursor = 0;
    let steps = 0;
    do {
      cursor = table.scan(cursor, (member) => seen.add(member));
      // Churn between steps: the table grows past, or shrinks back below, its thresholds.
      const grow = prng.chance(0.5);
      for (let i = 0; i < prng.int(0, 200); i++) {
        const member = `t${round}:${prng.int(0, 2000)}`;
        if (grow) table.add(member);
        else table.delete(member);
      }
      steps++;
    } while (cursor !== 0 && steps < 100_000);
    assert.equal(cursor, 0, 'the scan ended');
    for (const member of stable) assert.ok(seen.has(member), `round ${round}: ${member} returned`);
  }
});

test('random draws every member, and only members', () => {
  const prng = new Prng(3);
  const table = new MemberTable();
  for (let i = 0; i < 50; i++) table.add(`r${i}`);
  for (let i = 0; i < 45; i++) table.delete(`r${i}`); // sparse: a small table after shrinking
  const drawn = new Set<string>();
  for (let i = 0; i < 500; i++) drawn.add(table.random(prng));
  assert.deepEqual([...drawn].sort(), ['r45', 'r46', 'r47', 'r48', 'r49']);
});
