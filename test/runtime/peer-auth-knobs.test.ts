// The node's tls-protocols, tls-ciphers and tls-ciphersuites bound peer links too (issue #15): a peer
// listener held to TLS 1.3 refuses a member's certificate offered over TLS 1.2, one held to a TLS 1.2
// cipher refuses a dialler offering only others, and members with the same knobs link up; a reload
// with new knobs (SIGHUP) applies to the next handshake. Real sockets, real certificates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { makeCertAuthority, type CertAuthority } from '../support/certs.js';
import { PeerAuth, peerAuthSettings, tlsKnobs } from '../../src/runtime/cluster/peer-auth.js';
import { defaultClientTls } from '../../src/server/tls-settings.js';
import { closeAll, connectAll, heartbeat, startNode, waitFor } from './peer-helpers.js';
import type { TestNode } from './peer-helpers.js';
import { receivedFrom, tlsFor } from './peer-auth-helpers.js';

/** Whether a TLS handshake with `port` as member `b` (a valid certificate of `ca`) completes. */
function handshakes(ca: CertAuthority, port: number, extra: ConnectionOptions): Promise<boolean> {
  const leaf = ca.issue('b');
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'a', ca: readFileSync(ca.certFile), cert: readFileSync(leaf.certFile), key: readFileSync(leaf.keyFile), checkServerIdentity: () => undefined, ...extra });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

test('a peer listener keeps to tls-protocols and tls-ciphers; members with the same knobs link up', async () => {
  const ca = makeCertAuthority();
  const nodes: TestNode[] = [];
  try {
    const v13 = await startNode('a', { security: tlsFor(ca, 'a', { knobs: { protocols: 'TLSv1.3' } }) });
    nodes.push(v13);
    assert.equal(await handshakes(ca, v13.transport.listenPort, { maxVersion: 'TLSv1.2' }), false, 'TLS 1.2 is refused');
    assert.equal(await handshakes(ca, v13.transport.listenPort, {}), true, 'TLS 1.3 is served');
    const cipher = await startNode('c', { security: tlsFor(ca, 'c', { knobs: { protocols: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' } }) });
    nodes.push(cipher);
    assert.equal(await handshakes(ca, cipher.transport.listenPort, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), false, 'a cipher outside tls-ciphers is refused');
    assert.equal(await handshakes(ca, cipher.transport.listenPort, { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }), true, 'the listed cipher is served');
    const b = await startNode('b', { security: tlsFor(ca, 'b', { knobs: { protocols: 'TLSv1.3' } }) });
    nodes.push(b);
    connectAll([v13, b]);
    let sent = 0;
    await waitFor('b reaches a over TLS 1.3', () => {
      b.transport.send('a', heartbeat('b', 'a', ++sent));
      return receivedFrom(v13, 'b') > 0;
    });
  } finally {
    await closeAll(nodes);
    ca.remove();
  }
});

test('PeerAuth takes the node\'s knobs at start and again on reload', async () => {
  const ca = makeCertAuthority();
  const leaf = ca.issue('a');
  const nodes: TestNode[] = [];
  try {
    const auth = new PeerAuth(peerAuthSettings({ peerCertFile: leaf.certFile, peerKeyFile: leaf.keyFile, peerTrustedCaFile: ca.certFile }), tlsKnobs({ ...defaultClientTls(), protocols: 'TLSv1.2' }));
    const a = await startNode('a', { security: auth.security });
    nodes.push(a);
    assert.equal(await handshakes(ca, a.transport.listenPort, { minVersion: 'TLSv1.3' }), false, 'held to TLS 1.2 from the start');
    assert.deepEqual(auth.reload(() => undefined, tlsKnobs({ ...defaultClientTls(), protocols: 'TLSv1.3' })), []);
    assert.equal(await handshakes(ca, a.transport.listenPort, { minVersion: 'TLSv1.3' }), true, 'the reload applies to the next handshake');
    assert.equal(await handshakes(ca, a.transport.listenPort, { maxVersion: 'TLSv1.2' }), false);
    assert.match(auth.reload(() => undefined, tlsKnobs({ ...defaultClientTls(), protocols: 'TLSv1 TLSv1.3' }))[0]?.message ?? '', /leaves a gap/);
    assert.equal(await handshakes(ca, a.transport.listenPort, { minVersion: 'TLSv1.3' }), true, 'a bad value keeps the knobs in use');
  } finally {
    await closeAll(nodes);
    ca.remove();
  }
});
