// Peers prove who they are (issue #15): over mutual TLS a node accepts only a dialler whose
// certificate its CA signed and names the member the HELLO claims, and dials only a listener whose
// certificate names the member it dials; with a cluster secret both sides prove it by HMAC over
// fresh nonces, so a wrong or missing secret is refused and a recorded handshake cannot be replayed.
// In every refused case nothing is delivered; real transports on loopback.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertAuthority } from '../support/certs.js';
import { encodeMessage } from '../../src/runtime/peer/codec.js';
import { decodeHelloReply, encodeHello, encodeProof } from '../../src/runtime/peer/handshake.js';
import { handshakeMac, newNonce } from '../../src/runtime/peer/handshake-auth.js';
import type { Message } from '../../src/raft/types.js';
import { closeAll, connectAll, heartbeat, startNode, waitFor } from './peer-helpers.js';
import type { TestNode } from './peer-helpers.js';
import { rawConnect, receivedFrom, secretOf, tlsFor } from './peer-auth-helpers.js';

/** Sends heartbeats between a and b both ways and waits until each side received one. */
async function exchange(a: TestNode, b: TestNode): Promise<void> {
  const before = [receivedFrom(b, a.id), receivedFrom(a, b.id)];
  await waitFor(`${a.id} and ${b.id} exchange messages`, () => {
    a.transport.send(b.id, heartbeat(a.id, b.id, 1));
    b.transport.send(a.id, heartbeat(b.id, a.id, 1));
    return receivedFrom(b, a.id) > (before[0] ?? 0) && receivedFrom(a, b.id) > (before[1] ?? 0);
  });
}

/**
 * x keeps sending to a and a to x until both dials failed (and, when `aRefuses` is given, a logged
 * its refusal of x's dial), then checks nothing arrived either way.
 */
async function refusedBothWays(a: TestNode, x: TestNode, aRefuses?: (fields: Record<string, unknown>) => boolean): Promise<void> {
  connectAll([a, x]);
  await waitFor(`${a.id} refuses ${x.id}`, () => {
    x.transport.send(a.id, heartbeat(x.id, a.id, 1));
    a.transport.send(x.id, heartbeat(a.id, x.id, 1));
    return aRefuses === undefined || a.logs.some((l) => l.event.startsWith('peer.inbound_') && l.event !== 'peer.inbound_accepted' && aRefuses(l.fields));
  });
  await waitFor(`${x.id}'s dial of ${a.id} fails`, () => x.transport.stats().some((s) => s.id === a.id && s.lastError !== null && !s.connected));
  await waitFor(`${a.id}'s dial of ${x.id} fails`, () => a.transport.stats().some((s) => s.id === x.id && s.lastError !== null && !s.connected));
  assert.equal(receivedFrom(a, x.id), 0, `${a.id} received nothing from ${x.id}`);
  assert.equal(receivedFrom(x, a.id), 0, `${x.id} received nothing from ${a.id}`);
  assert.ok(!a.logs.some((l) => l.event === 'peer.inbound_accepted' && l.fields.peer === x.id), `${a.id} never accepted ${x.id}`);
}

test('over mutual TLS, members of one CA exchange messages both ways', async () => {
  const ca = makeCertAuthority();
  const nodes: TestNode[] = [];
  try {
    for (const id of ['a', 'b', 'c']) nodes.push(await startNode(id, { security: tlsFor(ca, id) }));
    connectAll(nodes);
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    await exchange(a, b);
    await exchange(b, c);
    await exchange(a, c);
    for (const node of nodes) assert.ok(node.transport.stats().every((s) => s.connected), `${node.id}'s links are up`);
  } finally {
    await closeAll(nodes);
    ca.remove();
  }
});

test('a node given another CA cannot join: neither side completes a TLS handshake with the other', async () => {
  const ca = makeCertAuthority();
  const stranger = makeCertAuthority('stranger-ca');
  const nodes: TestNode[] = [];
  try {
    const a = await startNode('a', { security: tlsFor(ca, 'a') });
    nodes.push(a);
    // x's certificate is from the other CA, which is also the only one x trusts.
    const x = await startNode('x', { security: tlsFor(stranger, 'x') });
    nodes.push(x);
    await refusedBothWays(a, x, (fields) => typeof fields.remote === 'string');
    assert.ok(a.logs.some((l) => l.event === 'peer.inbound_tls_refused'), 'a logged a refused TLS handshake');
    assert.match(String(x.transport.stats()[0]?.lastError), /certificate|self.signed|issuer/i);
  } finally {
    await closeAll(nodes);
    ca.remove();
    stranger.remove();
  }
});

test('a certificate naming another member is refused, as dialler and as listener', async () => {
  const ca = makeCertAuthority();
  const nodes: TestNode[] = [];
  try {
    const a = await startNode('a', { security: tlsFor(ca, 'a') });
    nodes.push(a);
    // c runs with a certificate the cluster's CA issued to b.
    const c = await startNode('c', { security: tlsFor(ca, 'c', { certName: 'b' }) });
    nodes.push(c);
    await refusedBothWays(a, c, (fields) => fields.peer === 'c' && /certificate names \["b"/.test(String(fields.reason)));
    const dial = a.transport.stats().find((s) => s.id === 'c');
    assert.match(String(dial?.lastError), /peer c's certificate names \["b"/);
  } finally {
    await closeAll(nodes);
    ca.remove();
  }
});

test('with the same cluster secret nodes connect; a wrong or missing secret is refused both ways', async () => {
  const nodes: TestNode[] = [];
  try {
    const a = await startNode('a', { security: secretOf('correct horse') });
    const b = await startNode('b', { security: secretOf('correct horse') });
    nodes.push(a, b);
    connectAll([a, b]);
    await exchange(a, b);
    const wrong = await startNode('w', { security: secretOf('battery staple') });
    nodes.push(wrong);
    // Each dialler finds the listener's proof wrong first, so it gives up before sending its own.
    await refusedBothWays(a, wrong);
    assert.match(String(a.transport.stats().find((s) => s.id === 'w')?.lastError), /proof does not match/);
    assert.match(String(wrong.transport.stats().find((s) => s.id === 'a')?.lastError), /proof does not match/);
    const none = await startNode('n');
    nodes.push(none);
    await refusedBothWays(a, none);
    assert.match(String(none.transport.stats().find((s) => s.id === 'a')?.lastError), /asks for a cluster secret and this node has none/);
    assert.match(String(a.transport.stats().find((s) => s.id === 'n')?.lastError), /accepted without proving the cluster secret/);
  } finally {
    await closeAll(nodes);
  }
});

function append(from: string, to: string, term: number): Message {
  return { type: 'append', from, to, term, incarnation: '0000000000000001', prevIndex: 0, prevTerm: 0, commitIndex: 5, entries: [{ index: 1, term, kind: 0, data: new Uint8Array([1, 2, 3]) }] };
}

test('a recorded handshake cannot be replayed: the listener\'s fresh nonce makes the old PROOF wrong', async () => {
  const secret = Buffer.from('s3cret');
  const a = await startNode('a', { security: { secret: () => secret } });
  try {
    // A genuine b's handshake, which an eavesdropper records.
    const hello = { clusterId: 'test-cluster', from: 'b', to: 'a', nonce: newNonce() };
    const genuine = await rawConnect(a);
    genuine.socket.write(encodeHello(hello));
    await waitFor('a CHALLENGE', () => genuine.replies.length === 1);
    const challenge = decodeHelloReply(genuine.replies[0] as Buffer);
    assert.equal(challenge.kind, 'challenge');
    if (challenge.kind !== 'challenge') return;
    const proof = encodeProof(handshakeMac(secret, 'dialler', hello, challenge.nonce));
    genuine.socket.write(proof);
    await waitFor('ACCEPT', () => genuine.replies.length === 2);
    assert.equal(decodeHelloReply(genuine.replies[1] as Buffer).kind, 'accept');
    genuine.socket.destroy();
    // The replay: the same HELLO and PROOF bytes, then an append for a high term.
    const replay = await rawConnect(a);
    replay.socket.write(encodeHello(hello));
    await waitFor('a fresh CHALLENGE', () => replay.replies.length === 1);
    const fresh = decodeHelloReply(replay.replies[0] as Buffer);
    assert.ok(fresh.kind === 'challenge' && !Buffer.from(fresh.nonce).equals(Buffer.from(challenge.nonce)), 'a new nonce');
    replay.socket.write(Buffer.concat([proof, encodeMessage(append('b', 'a', 99))]));
    await waitFor('a to close the replay', () => replay.socket.closed);
    const refusal = replay.replies[1] === undefined ? undefined : decodeHelloReply(replay.replies[1]);
    assert.equal(refusal?.kind, 'refuse');
    assert.equal(a.received.length, 0, 'nothing delivered');
  } finally {
    await closeAll([a]);
  }
});

test('a raw connection that sends a well-formed append for a higher term is refused and nothing is delivered', async () => {
  const ca = makeCertAuthority();
  const secured = [
    { name: 'cluster secret', security: secretOf('s3cret') },
    { name: 'peer TLS', security: tlsFor(ca, 'a') },
  ];
  try {
    for (const { name, security } of secured) {
      const a = await startNode('a', { security });
      try {
        const raw = await rawConnect(a);
        // Claims to be member b and sends its append right behind the HELLO, as a forger would.
        raw.socket.write(Buffer.concat([encodeHello({ clusterId: 'test-cluster', from: 'b', to: 'a', nonce: newNonce() }), encodeMessage(append('b', 'a', 1000))]));
        await waitFor(`${name}: a closes the forger's socket`, () => raw.socket.closed);
        assert.equal(a.received.length, 0, `${name}: nothing delivered`);
        assert.ok(!a.logs.some((l) => l.event === 'peer.inbound_accepted'), `${name}: never accepted`);
      } finally {
        await closeAll([a]);
      }
    }
  } finally {
    ca.remove();
  }
});
