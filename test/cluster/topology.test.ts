// The CLUSTER topology commands over a node's view without processes: a member whose client
// address is not known (it has not announced it) is left out of SLOTS/SHARDS/NODES, never given a
// guessed address; with the leader's address unknown they answer CLUSTERDOWN saying why; CLUSTER
// INFO names this node's own address, whether it is announced and which members are unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Reply } from '../../src/lib/reply.js';
import { clusterCommand } from '../../src/server/cluster-commands.js';
import { ClusterTopology, type ClientAddress, type RaftView } from '../../src/server/cluster-topology.js';

function view(leaderId: string | null): RaftView {
  return {
    role: () => (leaderId === 'n1' ? 'leader' : 'follower'),
    term: () => 3,
    leaderId: () => leaderId,
    commitIndex: () => 10,
    appliedIndex: () => 10,
    lastIndex: () => 10,
    incarnation: () => '0123456789abcdef',
    members: () => ['n1', 'n2', 'n3'],
    learners: () => [],
    followerMatch: () => [],
  };
}

function run(topology: ClusterTopology, ...argv: string[]): Reply {
  const reply = clusterCommand(topology, ['CLUSTER', ...argv].map((a) => Buffer.from(a)));
  assert.ok(!(reply instanceof Promise));
  return reply;
}

const clients = (entries: [string, number][]): Map<string, ClientAddress> => new Map(entries.map(([id, port]) => [id, { host: '127.0.0.1', port }]));

test('a member with no announced address is left out of SLOTS and NODES, never guessed', () => {
  const topology = new ClusterTopology('n1', 'cairn-test', clients([['n1', 7001], ['n2', 9402]]), view('n1'));
  const slots = run(topology, 'SLOTS');
  assert.equal(slots.type, 'array');
  const range = slots.type === 'array' ? slots.items[0] : undefined;
  assert.equal(range?.type === 'array' ? range.items.length : -1, 2 + 2, 'the slot range, the leader and the one follower with an address');
  const nodes = run(topology, 'NODES');
  assert.equal(nodes.type === 'bulk' ? Buffer.from(nodes.value).toString().trim().split('\n').length : -1, 2);
  const info = run(topology, 'INFO');
  const text = info.type === 'bulk' ? Buffer.from(info.value).toString() : '';
  assert.match(text, /cairn_client_address:127\.0\.0\.1:7001\r\n/);
  assert.match(text, /cairn_client_address_announced:no\r\n/, 'no address control wired: not announced');
  assert.match(text, /cairn_client_addresses_unknown:n3\r\n/);
});

test('with the leader\'s address unknown, SLOTS, SHARDS and NODES answer CLUSTERDOWN saying why', () => {
  const topology = new ClusterTopology('n2', 'cairn-test', clients([['n2', 9402]]), view('n1'));
  for (const sub of ['SLOTS', 'SHARDS', 'NODES']) {
    const reply = run(topology, sub);
    assert.equal(reply.type, 'error');
    assert.match(reply.type === 'error' ? reply.message : '', /^CLUSTERDOWN the leader n1 has not announced its client address yet/);
  }
  assert.match(JSON.stringify(run(topology, 'ANNOUNCE', 'n2', '127.0.0.1:9402')), /CLUSTER ANNOUNCE is internal: members announce their client addresses to the leader over the authenticated peer links/);
});
