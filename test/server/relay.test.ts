// The follower's side of CAIRN.RELAY against a scripted leader (behind MemberCalls, what the peer links carry): every result a leader can send for
// an entry (its replies, a refused entry, "not leader" after stepping down mid-batch, a timeout)
// is read as what it is. Only a result in the pre-codec format ([0, ...replies inline], what a
// leader built before the lossless reply codec answered) reads as "a relayed entry without its
// replies" — the anomaly one torture run showed, when nodes of two builds served together.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { CairnError, isCairnError } from '../../src/lib/errors.js';
import { bulkReply, errorReply, integerReply, type Reply } from '../../src/lib/reply.js';
import { decodeEntry, encodeEntry } from '../../src/kv/entry.js';
import { encodeRelayResult, LeaderRelay, type RelayOutcome } from '../../src/server/cluster-relay.js';
import { refuseRelayedCommands } from '../../src/server/relay-guard.js';
import type { MemberCalls } from '../../src/server/cluster-relay-link.js';
import { ClusterTopology, type RaftView } from '../../src/server/cluster-topology.js';

const clusterId = 'cairn-test-relay';
const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const ok: Reply = { type: 'simple', value: 'OK' };

/** What the scripted leader answers for an entry, chosen by the entry's first key. */
function leaderResult(entryBytes: Uint8Array): Reply {
  const entry = decodeEntry(entryBytes);
  const argv = entry.commands[0]!;
  const key = Buffer.from(argv[1] ?? new Uint8Array(0)).toString('latin1');
  if (key === 'forged') return encodeRelayResult({ error: refuseRelayedCommands(entry.commands) });
  if (key === 'stepped-down') return encodeRelayResult({ error: new CairnError('CAIRN_NOT_LEADER', 'not the leader') });
  if (key === 'later-term') return encodeRelayResult({ staleTerm: 7 });
  if (key === 'timeout') return encodeRelayResult({ error: new CairnError('CAIRN_TIMEOUT', 'outcome unknown: index 9 not applied before the deadline') });
  if (key === 'thrown') return encodeRelayResult({ error: new TypeError('boom') });
  if (key === 'aborted') return encodeRelayResult({ replies: [{ type: 'nullArray' }] });
  if (key === 'none') return encodeRelayResult({ replies: [] });
  // The format of a leader built before the reply codec: status 0 then the replies themselves.
  if (key === 'old-format') return { type: 'array', items: [integerReply(0), ok] };
  return encodeRelayResult({ replies: [ok, bulkReply(`value of ${key}`), { type: 'array', items: [integerReply(1n << 70n), { type: 'null' }] }] });
}

/** A leader behind MemberCalls (what the peer links carry): answers CAIRN.RELAY 2:<cluster-id> <term> <entry>... */
function scriptedLeader(): { calls: MemberCalls; relayedBatches: number[] } {
  const relayedBatches: number[] = [];
  const calls: MemberCalls = {
    call: async (to, argv) => {
      assert.equal(to, 'leader', 'relays go to the leader by its member id');
      const name = Buffer.from(argv[0]!).toString('latin1').toUpperCase();
      if (name !== 'CAIRN.RELAY') return errorReply('ERR unexpected command');
      if (Buffer.from(argv[1]!).toString('utf8') !== `2:${clusterId}`) return errorReply('ERR CAIRN.RELAY from another cluster refused');
      const pairs = argv.slice(2);
      assert.ok(pairs.length % 2 === 0 && pairs.every((arg, i) => i % 2 === 1 || Buffer.from(arg).toString('latin1') === '1'), 'each entry follows the term it asks for');
      const entries = pairs.filter((_, i) => i % 2 === 1);
      relayedBatches.push(entries.length);
      return { type: 'array', items: entries.map(leaderResult) };
    },
  };
  return { calls, relayedBatches };
}

const follower: RaftView = {
  role: () => 'follower',
  term: () => 1,
  leaderId: () => 'leader',
  commitIndex: () => 0,
  appliedIndex: () => 0,
  lastIndex: () => 0,
  incarnation: () => '0000000000000001',
  members: () => ['follower', 'leader'],
  learners: () => [],
  followerMatch: () => [],
};

const entryFor = (key: string, command = 'SET'): Uint8Array => encodeEntry({ nowMs: 0, commands: [[b(command), b(key), b('v')]] });

async function settled(outcome: Promise<RelayOutcome>): Promise<RelayOutcome | Error> {
  return outcome.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

test('a follower reads every result a leader sends for a relayed entry; only the pre-codec format lacks its replies', async () => {
  const leader = scriptedLeader();
  const topology = new ClusterTopology('follower', clusterId, new Map([['follower', { host: '127.0.0.1', port: 1 }]]), follower);
  const relay = new LeaderRelay(topology, leader.calls);
  try {
    // All in one event-loop turn: one group, so one batch with every kind of result in it.
    const keys = ['written', 'forged', 'stepped-down', 'timeout', 'thrown', 'aborted', 'none', 'old-format', 'later-term'];
    const pending = keys.map((key) => settled(relay.relay('leader', key === 'forged' ? entryFor(key, 'CAIRN.MEMBER') : entryFor(key), 1)));
    const [written, forged, steppedDown, timedOut, thrown, aborted, none, oldFormat, laterTerm] = await Promise.all(pending);
    assert.deepEqual(leader.relayedBatches, [keys.length], 'the entries travelled in one batch');

    assert.deepEqual(written, { kind: 'replies', replies: [ok, bulkReply('value of written'), { type: 'array', items: [integerReply(1n << 70n), { type: 'null' }] }] });
    assert.ok(forged instanceof Error && isCairnError(forged, 'CAIRN_INVALID_ARGUMENT'), `a refused entry: ${String(forged)}`);
    assert.match(forged.message, /'CAIRN\.MEMBER' is not a command clients may send/);
    assert.deepEqual(steppedDown, { kind: 'retry' }, 'a leader that stepped down mid-batch never appended the entry: retry');
    assert.ok(timedOut instanceof Error && isCairnError(timedOut, 'CAIRN_TIMEOUT'), `a timeout stays a timeout: ${String(timedOut)}`);
    assert.ok(thrown instanceof Error && isCairnError(thrown, 'CAIRN_IO') && thrown.message === 'boom', `an unexpected failure: ${String(thrown)}`);
    assert.deepEqual(aborted, { kind: 'replies', replies: [{ type: 'nullArray' }] }, 'an aborted WATCH stays a null array');
    assert.deepEqual(none, { kind: 'replies', replies: [] });
    assert.ok(oldFormat instanceof Error && isCairnError(oldFormat, 'CAIRN_CORRUPT'), `the pre-codec format: ${String(oldFormat)}`);
    assert.match(oldFormat.message, /the leader answered a relayed entry without its replies \(outcome unknown\)/);
    assert.deepEqual(laterTerm, { kind: 'staleTerm', term: 7 }, 'a leader in another term never appended the entry, and says its term');

    // A relay whose first argument is not the leader's cluster id (another cluster, or another
    // build's relay format) is refused whole: nothing proposed, every entry fails.
    const otherTopology = new ClusterTopology('follower', 'cairn-other', new Map([['follower', { host: '127.0.0.1', port: 1 }]]), follower);
    const other = new LeaderRelay(otherTopology, leader.calls);
    try {
      const refused = await Promise.all(['a', 'b'].map((key) => settled(other.relay('leader', entryFor(key), 1))));
      for (const outcome of refused) assert.ok(outcome instanceof Error && isCairnError(outcome, 'CAIRN_REFUSED') && /refused the relay/.test(outcome.message), String(outcome));
      assert.deepEqual(leader.relayedBatches, [keys.length], 'the refused relay reached no entry');
    } finally {
      other.close();
    }
  } finally {
    relay.close();
  }
});
