// The cluster flags: the member list, the derived cluster id (the same on every node), client
// addresses: this node's own (--advertise, else its host and port), other members' only from
// --client-addrs overrides (never guessed from the peer-port offset, which only the start-up
// check may try), --advertise, a node alone (id n1 by
// default, no peer port), and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSettings, derivedClusterId } from '../../src/runtime/cluster/options.js';

const peers = 'n1=127.0.0.1:17001,n2=127.0.0.1:17002,n3=10.0.0.3:17003';

test('every node of one --peers list derives the same cluster id; another list another id', () => {
  const ids = ['n1', 'n2', 'n3'].map((id, i) => clusterSettings({ id, peers }, '127.0.0.1', 7001 + i).clusterId);
  assert.equal(new Set(ids).size, 1);
  assert.match(ids[0]!, /^cairn-[0-9a-f]{16}$/);
  assert.notEqual(derivedClusterId(new Map([['n1', '127.0.0.1:17001']])), ids[0]);
  assert.equal(clusterSettings({ id: 'n1', peers, clusterId: 'mine' }, '127.0.0.1', 7001).clusterId, 'mine');
});

test('client addresses: this node\'s own, other members\' only as --client-addrs overrides', () => {
  const unlisted = clusterSettings({ id: 'n1', peers }, '127.0.0.1', 7001);
  assert.equal(unlisted.peerPort, 17001);
  assert.deepEqual([...unlisted.clients.keys()], ['n1'], 'other members announce their own addresses');
  const partly = clusterSettings({ id: 'n1', peers, clientAddrs: 'n2=proxy.example:9002' }, '127.0.0.1', 7001);
  assert.deepEqual([...partly.clients.keys()].sort(), ['n1', 'n2'], 'an override for some members only');
  const listed = clusterSettings({ id: 'n2', peers, clientAddrs: 'n1=a.example:6001,n2=b.example:6002,n3=c.example:6003' }, '0.0.0.0', 6002);
  assert.deepEqual(listed.clients.get('n1'), { host: 'a.example', port: 6001 });
  assert.deepEqual(listed.clients.get('n2'), { host: 'b.example', port: 6002 });
  const wildcard = clusterSettings({ id: 'n3', peers }, '0.0.0.0', 7003);
  assert.deepEqual(wildcard.clients.get('n3'), { host: '10.0.0.3', port: 7003 }, 'a wildcard bind advertises the peer host');
  const advertised = clusterSettings({ id: 'n2', peers, advertise: 'public.example:7777' }, '0.0.0.0', 7002);
  assert.deepEqual(advertised.clients.get('n2'), { host: 'public.example', port: 7777 });
});

test('a node alone needs no peer port (nor an id); bad flags name themselves', () => {
  const alone = clusterSettings({ id: 'solo' }, '127.0.0.1', 7001);
  assert.equal(alone.peers.size, 1);
  assert.equal(alone.peerPort, 0, 'no peer port unless one is given');
  const unnamed = clusterSettings({}, '127.0.0.1', 7001);
  assert.equal(unnamed.id, 'n1', 'a node without --id or --peers is n1 of a one-member cluster');
  assert.deepEqual([...unnamed.peers.keys()], ['n1']);
  assert.deepEqual(unnamed.clients.get('n1'), { host: '127.0.0.1', port: 7001 });
  assert.throws(() => clusterSettings({ peers }, '127.0.0.1', 7001), /--id/);
  assert.throws(() => clusterSettings({ id: 'n4', peers }, '127.0.0.1', 7001), /--peer-port/);
  assert.throws(() => clusterSettings({ id: 'n1', peers, tickMs: 'fast' }, '127.0.0.1', 7001), /--tick-ms/);
  assert.throws(() => clusterSettings({ id: 'n1', peers, electionTicks: '2', heartbeatTicks: '2' }, '127.0.0.1', 7001), /--heartbeat-ticks/);
  assert.throws(() => clusterSettings({ id: 'n1', peers, clientAddrs: 'n2=noport' }, '127.0.0.1', 7001), /host:port/);
  assert.throws(() => clusterSettings({ id: 'n1', peers: 'n1=nohost' }, '127.0.0.1', 7001), /host:port/);
});
