// Relaying lives on the peer links: a real three-node cluster where a client sending CAIRN.RELAY
// (or CLUSTER ANNOUNCE) to the leader is refused with a clear error and nothing applies, while a
// caller on the peer port — what a follower is — relays through the same checks as before: a
// relayed entry is never more powerful than a direct write (internal commands, unknown ones and
// bad arity refused; another cluster's relay refused whole), a malformed entry gets an error result
// and the leader keeps serving, a member announces only its own client address, and a follower's
// client writes through the relay as ever — also when every node has its own requirepass, since
// members no longer log in to each other's client ports; with a cluster secret, a caller that
// does not know it never gets a relay sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEntry } from '../../src/kv/entry.js';
import type { Reply } from '../../src/lib/reply.js';
import { MemberCaller } from '../../src/runtime/cluster/call.js';
import { RelayNotSentError } from '../../src/server/cluster-relay-link.js';
import { TcpPeerTransport } from '../../src/runtime/peer/transport.js';
import { call, RawClient, show, TestCluster, waitFor } from './helpers.js';

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start(3);
});

after(async () => {
  await cluster?.cleanup();
});

/** A peer transport that says it is member `as`, linked to the cluster's leader: calls go where a follower's relay goes. */
async function peerCaller(as: string): Promise<{ caller: MemberCaller; leaderId: string; clusterId: string; term: string; close: () => Promise<void> }> {
  const leaderIndex = await cluster.leader();
  const leader = cluster.nodes[leaderIndex]!;
  const info = await cluster.info(leaderIndex);
  const transport = await TcpPeerTransport.start({ nodeId: as, clusterId: info.cairn_cluster_id!, listenHost: '127.0.0.1', listenPort: 0, peers: new Map([[leader.id, `127.0.0.1:${leader.peerPort}`]]) });
  return { caller: new MemberCaller(transport), leaderId: leader.id, clusterId: info.cairn_cluster_id!, term: info.cairn_term!, close: () => transport.close() };
}

function entry(...commands: string[][]): Buffer {
  return Buffer.from(encodeEntry({ nowMs: 0, commands: commands.map((argv) => argv.map((arg) => Buffer.from(arg))), watches: [] }));
}

/** One relayed entry's result: [status, ...] with bulk strings as text. */
function result(reply: Reply): unknown[] {
  assert.equal(reply.type, 'array', JSON.stringify(reply));
  const items = reply.type === 'array' ? reply.items : [];
  assert.equal(items.length, 1);
  const only = items[0]!;
  assert.equal(only.type, 'array');
  return (only.type === 'array' ? only.items : []).map((item) => (item.type === 'integer' ? Number(item.value) : item.type === 'bulk' ? Buffer.from(item.value).toString('utf8') : item.type));
}

test('a client cannot relay or announce: CAIRN.RELAY and CLUSTER ANNOUNCE are refused on client connections and change nothing', async () => {
  const leaderIndex = await cluster.leader();
  const leader = cluster.nodes[leaderIndex]!;
  const info = await cluster.info(leaderIndex);
  assert.equal(show(await call(leader.port, 'SET', 'client:relay', 'before')), 'OK');
  const nodesBefore = show(await call(leader.port, 'CLUSTER', 'MEMBERS'));
  for (const node of cluster.nodes) {
    const relayed = show(await call(node.port, 'CAIRN.RELAY', `2:${info.cairn_cluster_id!}`, info.cairn_term!, entry(['SET', 'client:relay', 'forged']).toString('latin1')));
    assert.equal(relayed, 'ERR:ERR CAIRN.RELAY is internal: followers relay writes to the leader over the authenticated peer links, never a client connection');
    const announced = show(await call(node.port, 'CLUSTER', 'ANNOUNCE', 'n1', '10.9.9.9:1'));
    assert.match(String(announced), /^ERR:ERR CLUSTER ANNOUNCE is internal/);
  }
  assert.equal(show(await call(leader.port, 'GET', 'client:relay')), 'before');
  assert.deepEqual(show(await call(leader.port, 'CLUSTER', 'MEMBERS')), nodesBefore, 'no address changed');
  // The follower's own relay still carries its clients' writes.
  const follower = cluster.nodes[(leaderIndex + 1) % 3]!;
  assert.equal(show(await call(follower.port, 'SET', 'client:relay', 'through a follower')), 'OK');
  assert.equal(show(await call(leader.port, 'GET', 'client:relay')), 'through a follower');
});

test('relays on the peer link are never more powerful than a direct write: internal commands, unknown ones and bad arity are refused', async () => {
  const peer = await peerCaller('n9');
  try {
    const relay = (...entries: Buffer[]): Promise<Reply> => peer.caller.call(peer.leaderId, [Buffer.from('CAIRN.RELAY'), Buffer.from(`2:${peer.clusterId}`), ...entries.flatMap((e) => [Buffer.from(peer.term), e])], 5000);
    const leader = cluster.nodes.find((n) => n.id === peer.leaderId)!;
    assert.equal(show(await call(leader.port, 'SET', 'forged:kept', 'v')), 'OK');
    const nodesBefore = show(await call(leader.port, 'CLUSTER', 'NODES'));
    const refused = async (bytes: Buffer, why: RegExp): Promise<void> => {
      const [status, code, message] = result(await relay(bytes));
      assert.equal(status, 3, 'status: error');
      assert.equal(code, 'CAIRN_INVALID_ARGUMENT');
      assert.match(String(message), why);
    };
    await refused(entry(['CAIRN.EXPIRED', 'forged:kept']), /'CAIRN\.EXPIRED' is not a command clients may send/);
    await refused(entry(['CAIRN.EVICT', 'forged:kept']), /'CAIRN\.EVICT' is not a command clients may send/);
    await refused(entry(['cairn.member', 'evil', '127.0.0.1:1', '127.0.0.1:2']), /'cairn\.member' is not a command clients may send/);
    await refused(entry(['SET', 'forged:kept', 'x'], ['FLUSHEVERYTHING']), /'FLUSHEVERYTHING' is not a command/);
    await refused(entry(['SET', 'forged:kept']), /wrong number of arguments for 'set'/);
    // A malformed entry: an error result, and the leader keeps serving.
    assert.deepEqual(result(await relay(Buffer.from('not an entry'))).slice(0, 2), [3, 'CAIRN_CORRUPT']);
    // Another cluster's (or build's) relay is refused whole; nothing of any refused entry was applied.
    const other = await peer.caller.call(peer.leaderId, [Buffer.from('CAIRN.RELAY'), Buffer.from('2:cairn-0000000000000000'), Buffer.from(peer.term), entry(['SET', 'forged:kept', 'other'])], 5000);
    assert.match(other.type === 'error' ? other.message : JSON.stringify(other), /^ERR CAIRN\.RELAY from cluster '2:cairn-0000000000000000' refused/);
    assert.equal(show(await call(leader.port, 'GET', 'forged:kept')), 'v');
    assert.deepEqual(show(await call(leader.port, 'CLUSTER', 'NODES')), nodesBefore);
    // What a client may send, a relay may too.
    assert.equal(result(await relay(entry(['SET', 'forged:kept', 'relayed'])))[0], 0, 'status: replies');
    assert.equal(show(await call(leader.port, 'GET', 'forged:kept')), 'relayed');
  } finally {
    await peer.close();
  }
});

test('a member announces only its own client address; commands members do not make of each other are refused unrun', async () => {
  const leaderIndex = await cluster.leader();
  const self = cluster.nodes[(leaderIndex + 1) % 3]!.id;
  const other = cluster.nodes[(leaderIndex + 2) % 3]!.id;
  const peer = await peerCaller(self);
  try {
    const ask = async (...argv: string[]): Promise<string> => {
      const reply = await peer.caller.call(peer.leaderId, argv.map((arg) => Buffer.from(arg)), 5000);
      if (reply.type === 'bulk') return Buffer.from(reply.value).toString('utf8');
      return reply.type === 'error' ? reply.message : JSON.stringify(reply);
    };
    assert.match(await ask('CLUSTER', 'ANNOUNCE', other, '10.9.9.9:1'), new RegExp(`^ERR member ${self} may announce only its own client address, not ${other}'s`));
    assert.match(await ask('FLUSHALL'), /^ERR 'FLUSHALL' is not a call members make of each other/);
    assert.match(await ask('CLUSTER', 'ADDNODE', 'n7', '127.0.0.1:1', '127.0.0.1:2'), /^ERR 'CLUSTER addnode' is not a call members make of each other/);
    assert.match(await ask('CLUSTER', 'INFO'), /cairn_role:leader/);
    const leader = cluster.nodes.find((n) => n.id === peer.leaderId)!;
    assert.doesNotMatch(JSON.stringify(show(await call(leader.port, 'CLUSTER', 'MEMBERS'))), /10\.9\.9\.9/);
  } finally {
    await peer.close();
  }
});

test('members call each other on authenticated links without any client password: three nodes with three different requirepass and one cluster secret relay and announce; a caller without the secret cannot relay', async () => {
  const own = await TestCluster.start(3, ['--cluster-secret', 'the members\' secret'], { announce: true, started: 0 });
  try {
    await Promise.all([0, 1, 2].map((i) => own.startNode(i, ['--requirepass', `secret of n${i + 1}`])));
    const ask = async (i: number, ...argv: string[]): Promise<unknown> => {
      const client = await RawClient.connect(own.nodes[i]!.port);
      try {
        assert.equal(show(await client.call('AUTH', `secret of n${i + 1}`)), 'OK');
        return show(await client.call(...argv));
      } finally {
        client.close();
      }
    };
    const field = (info: unknown, name: string): string => new RegExp(`^${name}:(.*)$`, 'm').exec(String(info))?.[1]?.trim() ?? '';
    const leaderId = await waitFor('a leader every node names, every client address announced', async () => {
      const infos = await Promise.all([0, 1, 2].map((i) => ask(i, 'CLUSTER', 'INFO')));
      const leaders = new Set(infos.map((info) => field(info, 'cairn_leader')));
      const announced = infos.every((info) => field(info, 'cairn_client_address_announced') === 'yes' && field(info, 'cairn_client_addresses_unknown') === '');
      return leaders.size === 1 && !leaders.has('') && announced ? [...leaders][0] : undefined;
    }, 20_000);
    const leader = own.nodes.findIndex((n) => n.id === leaderId);
    for (const i of [0, 1, 2].filter((n) => n !== leader)) {
      assert.equal(await ask(i, 'SET', `written-on-n${i + 1}`, 'relayed'), 'OK', `n${i + 1}'s client writes through the relay`);
      assert.equal(await ask(leader, 'GET', `written-on-n${i + 1}`), 'relayed');
    }
    // A node that does not know the secret is refused at the handshake: its relay is never sent.
    const info = String(await ask(leader, 'CLUSTER', 'INFO'));
    const transport = await TcpPeerTransport.start({
      nodeId: 'n9', clusterId: field(info, 'cairn_cluster_id'), listenHost: '127.0.0.1', listenPort: 0,
      peers: new Map([[leaderId, `127.0.0.1:${own.nodes[leader]!.peerPort}`]]), security: { secret: () => Buffer.from('a guess') },
    });
    try {
      const argv = ['CAIRN.RELAY', `2:${field(info, 'cairn_cluster_id')}`, field(info, 'cairn_term')].map((arg) => Buffer.from(arg));
      const refused = await new MemberCaller(transport).call(leaderId, [...argv, entry(['SET', 'intruder', 'x'])], 2000).then(() => undefined, (error: unknown) => error);
      assert.ok(refused instanceof RelayNotSentError, String(refused));
    } finally {
      await transport.close();
    }
    assert.equal(await ask(leader, 'EXISTS', 'intruder'), 0);
  } finally {
    await own.cleanup();
  }
});
