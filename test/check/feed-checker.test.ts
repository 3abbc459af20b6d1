// The change-feed checker against simulated feeds and watchers: honest watchers (chunked reads,
// reconnects resuming after their last id, multi-change revisions, filtered watchers) pass; a
// planted skip of the first event after a reconnect, a duplicate, a reordering, a hole in the
// feed itself, a lost acknowledged write, a wrong final state, a watcher that never caught up and
// a feed whose order contradicts real time each fail, and the report names what went wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFeed, type FeedEvent, type WatcherRecord } from '../../src/check/index.js';
import { checkInput, simulateFeed, simulateWatcher } from './feed-sim.js';

const SEEDS = [1, 2, 3, 4, 5];

test('honest watchers over a simulated feed pass, with reconnects and multi-change revisions', () => {
  for (const seed of SEEDS) {
    for (const incrCarriesValue of [false, true]) {
      const sim = simulateFeed(seed, 400, incrCarriesValue);
      assert.ok(sim.feed.some((e) => e.id.endsWith('-2')), 'some revision holds three changes');
      const watchers = [1, 2, 3].map((n) => simulateWatcher(`w${n}`, sim, seed * 10 + n));
      watchers.push(simulateWatcher('prefix-c', sim, seed * 10 + 9, 'none', 'c'));
      const result = checkFeed(checkInput(sim, watchers));
      assert.deepEqual(result.problems, [], `seed ${seed}`);
      assert.ok(result.ok);
      assert.ok(watchers.every((w) => w.reconnectsAt.length >= 3), 'the watchers reconnected');
      assert.ok(result.acks.acknowledged > 300);
      assert.ok(result.watchers.every((w) => w.caughtUp && w.missing === 0 && w.stateDiffs === 0));
    }
  }
});

test('planting "skip the first event after a reconnect" in one watcher makes the check fail', () => {
  for (const seed of SEEDS) {
    const sim = simulateFeed(seed, 300);
    const honest = [simulateWatcher('w1', sim, 11), simulateWatcher('w2', sim, 12)];
    const planted = simulateWatcher('planted', sim, 13, 'skip-after-reconnect');
    const result = checkFeed(checkInput(sim, [...honest, planted]));
    assert.equal(result.ok, false);
    const verdict = result.watchers.find((w) => w.name === 'planted')!;
    assert.equal(verdict.missing, planted.reconnectsAt.length);
    assert.ok(result.watchers.filter((w) => w.name !== 'planted').every((w) => w.missing === 0));
    assert.match(result.problems.join('\n'), /planted missed \d+-\d+ .* \(across reconnect #1\)/);
  }
});

test('a lone watcher that skips after a reconnect fails too: the feed it saw has holes', () => {
  const sim = simulateFeed(7, 300);
  const result = checkFeed(checkInput(sim, [simulateWatcher('alone', sim, 3, 'skip-after-reconnect')]));
  assert.equal(result.ok, false);
  assert.ok(result.holes > 0 || result.acks.missing > 0);
  assert.ok(result.watchers[0]!.stateDiffs > 0 || result.acks.missing > 0);
});

test('a filtered watcher that skips after a reconnect fails', () => {
  const sim = simulateFeed(8, 400);
  const result = checkFeed(checkInput(sim, [simulateWatcher('all', sim, 1), simulateWatcher('only-r', sim, 2, 'skip-after-reconnect', 'r')]));
  assert.equal(result.ok, false);
  assert.ok(result.watchers[1]!.missing > 0);
});

test('a duplicate after a reconnect fails', () => {
  const sim = simulateFeed(9, 300);
  const result = checkFeed(checkInput(sim, [simulateWatcher('w1', sim, 1), simulateWatcher('dup', sim, 2, 'duplicate-after-reconnect')]));
  assert.equal(result.ok, false);
  const verdict = result.watchers[1]!;
  assert.ok(verdict.duplicates > 0);
  assert.match(result.problems.join('\n'), /dup received \d+-\d+ twice .*its first after reconnect/);
});

test('two events swapped fail as out of order', () => {
  const sim = simulateFeed(10, 300);
  const result = checkFeed(checkInput(sim, [simulateWatcher('w1', sim, 1), simulateWatcher('swapped', sim, 2, 'swap')]));
  assert.equal(result.ok, false);
  assert.equal(result.watchers[1]!.outOfOrder, 1);
  assert.equal(result.watchers[1]!.duplicates, 0);
});

/** The simulated feed with one change taken out for every watcher (a server that lost it). */
function withoutChange(feed: readonly FeedEvent[], drop: (e: FeedEvent) => boolean): FeedEvent[] {
  const at = feed.findIndex(drop);
  assert.ok(at >= 0);
  return [...feed.slice(0, at), ...feed.slice(at + 1)];
}

test('an acknowledged write that no watcher received fails, even when the ids have no hole', () => {
  const sim = simulateFeed(11, 300);
  // Drop the last change of a multi-change revision: the ids still run 0..n-2, so only the history and the state can tell.
  const last = sim.feed.findIndex((e, i) => e.id.endsWith('-1') && sim.feed[i + 1]?.id.endsWith('-0') === true && e.op === 'set');
  const lossy = { ...sim, feed: withoutChange(sim.feed, (e) => e === sim.feed[last]) };
  const result = checkFeed(checkInput(sim, [simulateWatcher('w1', lossy, 1), simulateWatcher('w2', lossy, 2)]));
  assert.equal(result.ok, false);
  assert.equal(result.holes, 0);
  assert.ok(result.acks.missing >= 1 || result.watchers[0]!.stateDiffs > 0);
});

test('a final state that differs from the rebuilt one fails; so does a watcher that did not catch up', () => {
  const sim = simulateFeed(12, 200);
  const watchers = [simulateWatcher('w1', sim, 1)];
  const wrong = new Map(sim.finalState).set('r0', 'not-what-the-feed-says');
  const result = checkFeed({ ...checkInput(sim, watchers), final: { revision: sim.finalRevision, state: wrong } });
  assert.equal(result.ok, false);
  assert.equal(result.watchers[0]!.stateDiffs, 1);
  const short: WatcherRecord = { ...watchers[0]!, events: watchers[0]!.events.slice(0, -5) };
  const behind = checkFeed(checkInput(sim, [short]));
  assert.equal(behind.ok, false);
  assert.equal(behind.watchers[0]!.caughtUp, false);
});

test('two watchers that disagree on an id fail', () => {
  const sim = simulateFeed(13, 200);
  const w1 = simulateWatcher('w1', sim, 1);
  const w2 = simulateWatcher('w2', sim, 2);
  const at = w2.events.findIndex((e) => e.op === 'set');
  const altered: WatcherRecord = { ...w2, events: w2.events.map((e, i) => (i === at ? { ...e, value: 'other' } : e)) };
  const result = checkFeed(checkInput(sim, [w1, altered]));
  assert.equal(result.ok, false);
  assert.equal(result.disagreements, 1);
});

test('a feed whose order contradicts real time fails', () => {
  const sim = simulateFeed(14, 200);
  // Swap the contents of two set changes far apart: every watcher sees the later write first.
  const sets = sim.feed.flatMap((e, i) => (e.op === 'set' ? [i] : []));
  const [a, b] = [sets[2]!, sets[sets.length - 3]!];
  const feed = sim.feed.map((e, i) => (i === a ? { ...sim.feed[b]!, id: e.id } : i === b ? { ...sim.feed[a]!, id: e.id } : e));
  const swapped = { ...sim, feed };
  const result = checkFeed({ ...checkInput(sim, [simulateWatcher('w1', swapped, 1)]), final: { revision: sim.finalRevision, state: sim.finalState } });
  assert.equal(result.ok, false);
  assert.ok(result.acks.realtimeViolations > 0);
});

test('a set no write carried is invented; a change shown twice under two ids is doubled', () => {
  const sim = simulateFeed(15, 200);
  const extraRevision = sim.finalRevision + 1;
  const invented = { ...sim, feed: [...sim.feed, { id: `${extraRevision}-0`, op: 'set', key: 'r0', value: 'from-nowhere' }] };
  const inventedResult = checkFeed({ ...checkInput(invented, [simulateWatcher('w1', invented, 1)]), final: { revision: sim.finalRevision, state: sim.finalState } });
  assert.equal(inventedResult.acks.invented, 1);
  assert.equal(inventedResult.ok, false);
  const lastSet = [...sim.feed].reverse().find((e) => e.op === 'set')!;
  const doubled = { ...sim, feed: [...sim.feed, { ...lastSet, id: `${extraRevision}-0` }] };
  const doubledResult = checkFeed({ ...checkInput(doubled, [simulateWatcher('w1', doubled, 1)]), final: { revision: sim.finalRevision, state: sim.finalState } });
  assert.ok(doubledResult.acks.doubled >= 1);
  assert.equal(doubledResult.ok, false);
});
