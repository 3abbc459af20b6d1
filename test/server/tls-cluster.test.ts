// Client TLS and the cluster's client addresses: a node alone that serves only TLS names its TLS
// port in CLUSTER SLOTS/SHARDS/NODES; three members serving both ports (announcing their addresses
// to each other) take TLS clients on every member, a write through a follower's TLS port is
// relayed and read back through another's; three members with no plain port at all work the same
// (followers relay to the leader on the peer links) and name their TLS ports.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from '../cluster/helpers.js';
import { freePort, startCairn, waitFor, type RunningProcess } from './helpers.js';
import { makeTlsCerts, redisCliTls, tlsFlags, type ClientCreds, type TlsCerts } from './tls-helpers.js';

let certs: TlsCerts;
let good: ClientCreds;
before(() => {
  certs = makeTlsCerts();
  good = { caFile: certs.ca.certFile, cert: certs.client };
});
after(() => certs?.remove());

/** Three announcing members, each with a TLS port (pushed onto tlsPorts) and the extra flags. */
async function startTlsMembers(tlsPorts: number[], extra: readonly string[]): Promise<TestCluster> {
  const cluster = await TestCluster.start(3, [], { announce: true, started: 0 });
  try {
    for (let i = 0; i < 3; i++) tlsPorts.push(await freePort());
    await Promise.all([0, 1, 2].map((i) => cluster.startNode(i, [...tlsFlags(certs, tlsPorts[i]!), ...extra])));
    return cluster;
  } catch (error) {
    await cluster.cleanup();
    throw error;
  }
}

describe('a node alone serving only TLS', () => {
  let node: RunningProcess;
  let tlsPort: number;
  before(async () => {
    tlsPort = await freePort();
    node = await startCairn(tlsFlags(certs, tlsPort));
  });
  after(async () => node?.cleanup());

  test('names its TLS port in CLUSTER SLOTS, SHARDS and NODES', async () => {
    // The node answers CLUSTERDOWN until it has elected itself: wait for that, not for a time.
    const slots = await waitFor('the node to lead and name its slots', () => {
      const lines = redisCliTls(tlsPort, good, ['CLUSTER', 'SLOTS']).stdout.split('\n');
      return lines[0] === '0' ? lines : undefined;
    }, 30_000);
    assert.deepEqual(slots.slice(0, 4), ['0', '16383', '127.0.0.1', String(tlsPort)]);
    assert.match(redisCliTls(tlsPort, good, ['CLUSTER', 'SHARDS']).stdout, new RegExp(`\\nport\\n${tlsPort}\\n`));
    assert.match(redisCliTls(tlsPort, good, ['CLUSTER', 'NODES']).stdout, new RegExp(` 127\\.0\\.0\\.1:${tlsPort}@0 myself,master `));
  });
});

describe('three members serving both ports', () => {
  let cluster: TestCluster;
  const tlsPorts: number[] = [];
  before(async () => {
    cluster = await startTlsMembers(tlsPorts, []);
  });
  after(async () => cluster?.cleanup());

  test('a write through a follower over TLS is relayed, and read over TLS on another member', async () => {
    const leader = await cluster.leader();
    const [follower, other] = [0, 1, 2].filter((i) => i !== leader) as [number, number];
    assert.equal(redisCliTls(tlsPorts[follower]!, good, ['SET', 'tls:relayed', 'yes']).stdout.trim(), 'OK');
    await waitFor('the write to apply on the other follower', () => {
      const got = redisCliTls(tlsPorts[other]!, good, ['GET', 'tls:relayed']).stdout.trim();
      return got === 'yes' ? true : undefined;
    });
    // Both ports on: the members announce their plain ports.
    const slots = redisCliTls(tlsPorts[other]!, good, ['CLUSTER', 'SLOTS']).stdout.split('\n');
    assert.equal(slots[3], String(cluster.nodes[leader]!.port));
  });
});

describe('three members serving only TLS (--port 0)', () => {
  let cluster: TestCluster;
  const tlsPorts: number[] = [];
  before(async () => {
    cluster = await startTlsMembers(tlsPorts, ['--port', '0']);
  });
  after(async () => cluster?.cleanup());

  test('relay on the peer links, so a write through any member lands; CLUSTER SLOTS names TLS ports', async () => {
    const leaderId = await waitFor('one leader every member names', () => {
      const named = tlsPorts.map((port) => /cairn_leader:(\S*)/.exec(redisCliTls(port, good, ['CLUSTER', 'INFO']).stdout)?.[1]);
      return named[0] !== undefined && named[0] !== '' && named.every((id) => id === named[0]) ? named[0] : undefined;
    });
    const leader = cluster.nodes.findIndex((node) => node.id === leaderId);
    const [follower, other] = [0, 1, 2].filter((i) => i !== leader) as [number, number];
    assert.equal(redisCliTls(tlsPorts[follower]!, good, ['SET', 'tls:only', 'relayed']).stdout.trim(), 'OK');
    await waitFor('the write to apply on the other follower', () => {
      const got = redisCliTls(tlsPorts[other]!, good, ['GET', 'tls:only']).stdout.trim();
      return got === 'relayed' ? true : undefined;
    });
    await waitFor('every member announced its TLS port', () => {
      const slots = redisCliTls(tlsPorts[other]!, good, ['CLUSTER', 'SLOTS']).stdout.split('\n');
      return slots[3] === String(tlsPorts[leader]) ? true : undefined;
    });
  });
});
