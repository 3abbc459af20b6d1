// Peer authentication in real node processes (issue #15): a cluster over peer TLS replicates, a
// node given another CA never joins, SIGHUP rotates a node's certificate without dropping its links
// (and a bad file on SIGHUP keeps the old one); with a cluster secret, a raw connection sending a
// well-formed append for a higher term is refused and the cluster's term, commit index and data are
// unchanged, and a node with another secret never joins (one node reads its secret file's name from
// its config file, which CONFIG GET does not show); with neither, a node warns on start.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { makeCertAuthority, type CertAuthority } from '../support/certs.js';
import { encodeMessage } from '../../src/runtime/peer/codec.js';
import { encodeHello } from '../../src/runtime/peer/handshake.js';
import { newNonce } from '../../src/runtime/peer/handshake-auth.js';
import { call, show, TestCluster, waitFor } from './helpers.js';

/** The --peer-* flags of node `id`, its files copied to fixed paths in `dir` so a rotation can replace them. */
function tlsArgs(ca: CertAuthority, id: string, dir: string, trusted: CertAuthority = ca): string[] {
  const leaf = ca.issue(id);
  const files = { cert: join(dir, `${id}.crt`), key: join(dir, `${id}.key`), ca: join(dir, `${id}-ca.crt`) };
  copyFileSync(leaf.certFile, files.cert);
  copyFileSync(leaf.keyFile, files.key);
  copyFileSync(trusted.certFile, files.ca);
  return ['--peer-cert-file', files.cert, '--peer-key-file', files.key, '--peer-trusted-ca-file', files.ca];
}

/** The leader nodes `among` agree on, once they do. */
async function agreedLeader(cluster: TestCluster, among: readonly number[]): Promise<string> {
  return waitFor('a leader the given nodes agree on', async () => {
    const leaders = await Promise.all(among.map(async (i) => (await cluster.info(i)).cairn_leader));
    const first = leaders[0];
    return first !== undefined && first !== '' && leaders.every((l) => l === first) ? first : undefined;
  }, 20_000);
}

/** The serial number of the certificate node `peerPort`'s listener presents to a new peer connection. */
async function presentedSerial(peerPort: number, memberId: string, client: { certFile: string; keyFile: string }, ca: CertAuthority): Promise<string> {
  const { readFileSync } = await import('node:fs');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1', port: peerPort, servername: memberId, cert: readFileSync(client.certFile), key: readFileSync(client.keyFile),
      ca: readFileSync(ca.certFile), checkServerIdentity: () => undefined,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

test('over peer TLS: replicates, a node of another CA never joins, SIGHUP rotates a certificate without dropping links', async () => {
  const ca = makeCertAuthority();
  const stranger = makeCertAuthority('stranger-ca');
  const cluster = await TestCluster.start(3, [], { started: 0 });
  try {
    await cluster.startNode(0, tlsArgs(ca, 'n1', cluster.base));
    await cluster.startNode(1, tlsArgs(ca, 'n2', cluster.base));
    await cluster.startNode(2, tlsArgs(stranger, 'n3', cluster.base, stranger));
    const leaderId = await agreedLeader(cluster, [0, 1]);
    const leader = cluster.nodes.findIndex((n) => n.id === leaderId);
    assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', 'k', 'v1')), 'OK');
    await waitFor('n1 and n2 apply the write', async () => ((await cluster.info(0)).cairn_applied_index === (await cluster.info(1)).cairn_applied_index ? true : undefined));
    const n3 = await cluster.info(2);
    assert.equal(n3.cairn_leader, '', 'n3 knows no leader');
    assert.equal(n3.cairn_commit_index, '0', 'n3 received nothing');
    await waitFor('n1 refuses n3\'s handshakes', () => (/peer\.inbound_tls_refused/.test(cluster.nodes[0]!.err) ? true : undefined));
    assert.match(cluster.nodes[2]!.err, /"event":"peer\.dial_failed"/);

    // Rotation: a new certificate for n1 at the same paths, then SIGHUP.
    const before = cluster.nodes[0]!.err.length;
    const fresh = ca.issue('n1');
    copyFileSync(fresh.certFile, join(cluster.base, 'n1.crt'));
    copyFileSync(fresh.keyFile, join(cluster.base, 'n1.key'));
    cluster.nodes[0]!.proc!.kill('SIGHUP');
    await waitFor('n1 reloads', () => (cluster.nodes[0]!.err.slice(before).includes('"event":"peer.reloaded"') ? true : undefined));
    const expected = new X509Certificate(await import('node:fs').then((fs) => fs.readFileSync(fresh.certFile))).serialNumber;
    const client = ca.issue('n2');
    assert.equal(await presentedSerial(cluster.nodes[0]!.peerPort, 'n1', client, ca), expected, 'a new handshake gets the new certificate');
    assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', 'k', 'v2')), 'OK');
    assert.equal(show(await call(cluster.nodes[1 - leader]!.port, 'GET', 'k')), 'v2');
    for (const i of [0, 1]) assert.doesNotMatch(cluster.nodes[i]!.err.slice(i === 0 ? before : 0), /"event":"peer\.disconnected"/, `n${i + 1} kept its links`);

    // A bad certificate file on SIGHUP: said so, and the last good one stays in use.
    writeFileSync(join(cluster.base, 'n1.crt'), 'not a certificate\n');
    cluster.nodes[0]!.proc!.kill('SIGHUP');
    await waitFor('n1 says the reload failed', () => (/"event":"peer\.reload_failed".*n1\.crt/.test(cluster.nodes[0]!.err) ? true : undefined));
    assert.match(cluster.nodes[0]!.err, /cairn server: SIGHUP: .*n1\.crt.*the previous one stays in use/);
    assert.equal(await presentedSerial(cluster.nodes[0]!.peerPort, 'n1', client, ca), expected);
  } finally {
    await cluster.cleanup();
    ca.remove();
    stranger.remove();
  }
});

test('with a cluster secret, a forged append for a higher term changes nothing, and a node with another secret never joins', async () => {
  const cluster = await TestCluster.start(3, [], { started: 0 });
  try {
    const secretFile = join(cluster.base, 'secret');
    writeFileSync(secretFile, 'the cluster secret\n', { mode: 0o600 });
    const otherFile = join(cluster.base, 'other');
    writeFileSync(otherFile, 'another secret\n', { mode: 0o600 });
    await cluster.startNode(0, ['--cluster-secret-file', secretFile]);
    // n2 reads its secret file's name from its config file.
    const configFile = join(cluster.base, 'n2.conf');
    writeFileSync(configFile, `# peer authentication\ncluster-secret-file "${secretFile}"\n`);
    await cluster.startNode(1, ['--config', configFile]);
    await cluster.startNode(2, ['--cluster-secret-file', otherFile]);
    const leaderId = await agreedLeader(cluster, [0, 1]);
    const leader = cluster.nodes.findIndex((n) => n.id === leaderId);
    const follower = 1 - leader;
    assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', 'k', 'v')), 'OK');
    await waitFor('the follower applies the write', async () => ((await cluster.info(follower)).cairn_applied_index === (await cluster.info(leader)).cairn_applied_index ? true : undefined));
    const before = await cluster.info(follower);
    assert.equal((await cluster.info(2)).cairn_commit_index, '0', 'n3 with another secret received nothing');

    // A stranger claims to be the leader and sends an append for a much higher term right behind its HELLO.
    const term = Number(before.cairn_term) + 100;
    const forged = encodeMessage({
      type: 'append', from: leaderId, to: cluster.nodes[follower]!.id, term, incarnation: '0000000000000001',
      prevIndex: 0, prevTerm: 0, commitIndex: 1, entries: [{ index: 1, term, kind: 0, data: new Uint8Array([1, 2, 3]) }],
    });
    const socket = netConnect({ host: '127.0.0.1', port: cluster.nodes[follower]!.peerPort });
    socket.on('error', () => {});
    socket.on('data', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.concat([encodeHello({ clusterId: before.cairn_cluster_id ?? '', from: leaderId, to: cluster.nodes[follower]!.id, nonce: newNonce() }), forged]));
    await waitFor('the follower closes the forger\'s socket', () => (socket.closed ? true : undefined));
    const after = await cluster.info(follower);
    for (const field of ['cairn_term', 'cairn_leader', 'cairn_commit_index', 'cairn_applied_index']) assert.equal(after[field], before[field], field);
    assert.equal(show(await call(cluster.nodes[follower]!.port, 'GET', 'k')), 'v');
    assert.doesNotMatch(cluster.nodes[follower]!.err, /the cluster secret/, 'the secret is not logged');
    assert.deepEqual(show(await call(cluster.nodes[1]!.port, 'CONFIG', 'GET', '*secret*')), [], 'CONFIG GET does not show the secret or its file');
  } finally {
    await cluster.cleanup();
  }
});

test('a node whose peer links have neither TLS nor a secret warns on start', async () => {
  const cluster = await TestCluster.start(1);
  try {
    assert.match(cluster.nodes[0]!.err, /"level":"warn".*"event":"peer\.unauthenticated"|"event":"peer\.unauthenticated".*"level":"warn"/);
  } finally {
    await cluster.cleanup();
  }
});
