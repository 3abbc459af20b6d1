// The real Raft core over real sockets: three RaftNodes (a minimal driver: no node restarts, so
// nothing is persisted; messages are sent, then entries applied, as the Ready order demands) talk
// through TcpPeerTransport. They elect a leader, commit 300 writes on
// every node in the same order, and after the leader's transport is closed the other two elect a
// new leader that commits more. Proves every message the core produces survives the codec.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/lib/prng.js';
import { RaftNode } from '../../src/raft/node.js';
import { EntryKind } from '../../src/raft/types.js';
import type { Entry } from '../../src/raft/types.js';
import { makeMembership } from '../../src/raft/membership.js';
import { closeAll, connectAll, startNode, waitFor } from './peer-helpers.js';
import type { TestNode } from './peer-helpers.js';

const TICK_MS = 10;

interface Member {
  peer: TestNode;
  node: RaftNode;
  applied: Entry[];
  timer: NodeJS.Timeout;
  stopped: boolean;
}

function drive(peer: TestNode, ids: string[], seed: number): Member {
  const node = new RaftNode({ id: peer.id, prng: new Prng(seed), electionTimeoutTicks: 10 }, {
    hardState: { term: 0, votedFor: null, commitIndex: 0 },
    snapshot: { meta: { index: 0, term: 0, membership: makeMembership(ids) }, data: new Uint8Array(0) },
    entries: [],
  });
  const applied: Entry[] = [];
  let stopped = false;
  const handleReadies = (): void => {
    for (let round = 0; round < 1000 && node.hasReady() && !stopped; round++) {
      const ready = node.ready();
      for (const message of ready.messages) peer.transport.send(message.to, message);
      applied.push(...ready.committedEntries.filter((e) => e.kind === EntryKind.NORMAL));
      node.advance(ready);
    }
  };
  // The helper's receiver records messages; the node consumes them as they arrive.
  let consumed = 0;
  const timer = setInterval(() => {
    if (stopped) return;
    for (; consumed < peer.received.length; consumed++) node.step(peer.received[consumed]!.message);
    node.tick();
    handleReadies();
  }, TICK_MS);
  return {
    peer, node, applied, timer,
    get stopped() { return stopped; },
    set stopped(value: boolean) { stopped = value; },
  };
}

function leaders(members: Member[]): Member[] {
  return members.filter((m) => !m.stopped && m.node.status().role === 'leader');
}

async function commitOn(leader: Member, members: Member[], from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const result = leader.node.propose(new TextEncoder().encode(`write ${i}`));
    assert.ok(result.accepted, `proposal ${i} refused`);
  }
  const total = from + count;
  await waitFor(`${total} writes applied on ${members.length} nodes`, () => members.every((m) => m.applied.length === total), 10_000);
  const expected = Array.from({ length: total }, (_, i) => `write ${i}`);
  for (const m of members) assert.deepStrictEqual(m.applied.map((e) => new TextDecoder().decode(e.data)), expected);
}

test('three Raft nodes elect a leader, replicate and fail over across TcpPeerTransport', async () => {
  const ids = ['n1', 'n2', 'n3'];
  const peers = await Promise.all(ids.map((id) => startNode(id)));
  const members = peers.map((peer, i) => drive(peer, ids, 1000 + i));
  try {
    connectAll(peers);
    await waitFor('a leader', () => leaders(members).length === 1, 10_000);
    const first = leaders(members)[0]!;
    await commitOn(first, members, 0, 300);
    first.stopped = true;
    clearInterval(first.timer);
    await first.peer.transport.close();
    const rest = members.filter((m) => m !== first);
    await waitFor('a new leader among the other two', () => leaders(rest).length === 1, 10_000);
    await commitOn(leaders(rest)[0]!, rest, 300, 50);
  } finally {
    for (const m of members) clearInterval(m.timer);
    await closeAll(peers);
  }
});
