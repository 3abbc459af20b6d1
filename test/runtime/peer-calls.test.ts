// The peer transport's call channel (peer/calls.ts) over real transports on loopback: a call reaches
// the peer's handler naming the caller its handshake proved, the answer comes back on the caller's
// own connection (so a peer that does not know the caller still answers), Raft messages flow
// beside calls, and every failure says whether the peer could have run the call: not sent (no
// such peer, never connected, refused unrun when too many run) or outcome unknown (no answer in
// time, the connection broke after sending, the handler failed). Malformed CALL and RESULT bodies
// throw only CAIRN_CORRUPT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCairnError } from '../../src/lib/errors.js';
import { decodeCall, decodeResult, encodeCall, encodeResult, ResultStatus } from '../../src/runtime/peer/call-frames.js';
import { CALLS_SERVED_MAX, CallNotSentError } from '../../src/runtime/peer/calls.js';
import { closeAll, freePort, heartbeat, startNode, waitFor, type TestNode } from './peer-helpers.js';
import { secretOf, tlsFor } from './peer-auth-helpers.js';
import { makeCertAuthority } from '../support/certs.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('the call succeeded');
}

/** a knows b as a peer; b knows nobody (it answers on a's connection). */
async function pair(): Promise<[TestNode, TestNode]> {
  const a = await startNode('a');
  const b = await startNode('b');
  a.transport.setPeers(new Map([['b', b.address]]));
  return [a, b];
}

test('a call reaches the peer\'s handler with the caller\'s id and its answer comes back, beside Raft messages', async () => {
  const [a, b] = await pair();
  try {
    const callers: string[] = [];
    b.transport.onCall(async (from, payload) => {
      callers.push(from);
      return Buffer.from(`${text(payload)} answered by b`);
    });
    const answers = await Promise.all(['one', 'two', 'three'].map((word) => a.transport.call('b', Buffer.from(word), 2000)));
    assert.deepEqual(answers.map(text), ['one answered by b', 'two answered by b', 'three answered by b']);
    assert.deepEqual(callers, ['a', 'a', 'a'], 'the handler hears the member the handshake named');
    a.transport.send('b', heartbeat('a', 'b', 1));
    await waitFor('the heartbeat after the calls', () => b.received.length === 1);
    // A large answer (above the handshake's small frame cap) comes back whole.
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const echoed = await a.transport.call('b', big, 5000);
    assert.equal(Buffer.compare(Buffer.from(echoed.subarray(0, big.length)), big), 0);
  } finally {
    await closeAll([a, b]);
  }
});

test('calls that never reached the peer fail as not sent; a call to a node that is not a peer fails at once', async () => {
  const a = await startNode('a');
  try {
    const notPeer = await failure(a.transport.call('nobody', Buffer.from('x'), 2000));
    assert.ok(notPeer instanceof CallNotSentError, String(notPeer));
    a.transport.setPeers(new Map([['down', `127.0.0.1:${await freePort()}`]]));
    const startedMs = Date.now();
    const down = await failure(a.transport.call('down', Buffer.from('x'), 300));
    assert.ok(down instanceof CallNotSentError && /no connection to down within 300 ms/.test(down.message), String(down));
    assert.ok(Date.now() - startedMs >= 290, 'it waited for a connection until its timeout');
  } finally {
    await a.transport.close();
  }
});

test('a call waits for the link to open, then goes out', async () => {
  const a = await startNode('a');
  const port = await freePort();
  let b: TestNode | undefined;
  try {
    a.transport.setPeers(new Map([['b', `127.0.0.1:${port}`]]));
    const pending = a.transport.call('b', Buffer.from('late'), 5000);
    b = await startNode('b', { listenPort: port });
    b.transport.onCall(async (_from, payload) => Buffer.from(`${text(payload)}!`));
    assert.equal(text(await pending), 'late!');
  } finally {
    await closeAll(b === undefined ? [a] : [a, b]);
  }
});

/** Makes node's every call hang unanswered; returns how many calls have reached it. */
function hangCalls(node: { readonly transport: { onCall(handler: () => Promise<Uint8Array>): void } }): () => number {
  let started = 0;
  node.transport.onCall(() => {
    started++;
    return new Promise<Uint8Array>(() => undefined);
  });
  return () => started;
}

test('a call sent but unanswered is outcome unknown: on its timeout, or at once when the connection breaks', async () => {
  const [a, b] = await pair();
  try {
    const started = hangCalls(b);
    const silent = await failure(a.transport.call('b', Buffer.from('x'), 300));
    assert.ok(!(silent instanceof CallNotSentError) && isCairnError(silent, 'CAIRN_TIMEOUT') && /outcome unknown/.test(silent.message), String(silent));
    const cut = failure(a.transport.call('b', Buffer.from('y'), 60_000));
    await waitFor('the second call reached b', () => started() === 2);
    const startedMs = Date.now();
    await b.transport.close();
    const broken = await cut;
    assert.ok(!(broken instanceof CallNotSentError) && isCairnError(broken, 'CAIRN_TIMEOUT') && /outcome unknown/.test(broken.message), String(broken));
    assert.ok(Date.now() - startedMs < 10_000, 'the broken connection failed the call long before its timeout');
  } finally {
    await closeAll([a, b]);
  }
});

test('a call in flight when its peer is re-addressed or removed fails at once as outcome unknown', async () => {
  const [a, b] = await pair();
  try {
    const started = hangCalls(b);
    const readdressed = failure(a.transport.call('b', Buffer.from('x'), 60_000));
    await waitFor('the call reached b', () => started() === 1);
    a.transport.setPeers(new Map([['b', `127.0.0.1:${await freePort()}`]]));
    const moved = await readdressed;
    assert.ok(!(moved instanceof CallNotSentError) && /redialled after it was sent, outcome unknown/.test(moved.message), String(moved));
    a.transport.setPeers(new Map([['b', b.address]]));
    const removed = failure(a.transport.call('b', Buffer.from('y'), 60_000));
    await waitFor('the second call reached b', () => started() === 2);
    a.transport.setPeers(new Map());
    const gone = await removed;
    assert.ok(!(gone instanceof CallNotSentError) && /closed after it was sent, outcome unknown/.test(gone.message), String(gone));
  } finally {
    await closeAll([a, b]);
  }
});

test('a peer runs a bounded number of calls from one member at once and refuses the rest unrun; a failing handler is outcome unknown', async () => {
  const [a, b] = await pair();
  try {
    const release: (() => void)[] = [];
    b.transport.onCall((_from, payload) => {
      if (text(payload) === 'fail') return Promise.reject(new Error('handler broke'));
      return new Promise<Uint8Array>((resolve) => release.push(() => resolve(payload)));
    });
    const held = Array.from({ length: CALLS_SERVED_MAX }, (_, i) => a.transport.call('b', Buffer.from(`held-${i}`), 10_000));
    await waitFor('every held call runs on b', () => release.length === CALLS_SERVED_MAX);
    const refused = await failure(a.transport.call('b', Buffer.from('one too many'), 10_000));
    assert.ok(refused instanceof CallNotSentError && isCairnError(refused, 'CAIRN_BUSY'), String(refused));
    assert.equal(release.length, CALLS_SERVED_MAX, 'the refused call never ran');
    for (const go of release) go();
    assert.deepEqual((await Promise.all(held)).map(text), Array.from({ length: CALLS_SERVED_MAX }, (_, i) => `held-${i}`));
    const failed = await failure(a.transport.call('b', Buffer.from('fail'), 2000));
    assert.ok(!(failed instanceof CallNotSentError) && isCairnError(failed, 'CAIRN_IO') && /handler broke/.test(failed.message), String(failed));
    assert.ok(b.logs.some((line) => line.event === 'peer.call_failed'), 'the failure is logged where it happened');
  } finally {
    await closeAll([a, b]);
  }
});

test('a peer with no handler yet refuses calls unrun', async () => {
  const [a, b] = await pair();
  try {
    const refused = await failure(a.transport.call('b', Buffer.from('x'), 2000));
    assert.ok(refused instanceof CallNotSentError && /takes no calls yet/.test(refused.message), String(refused));
  } finally {
    await closeAll([a, b]);
  }
});

test('calls travel on authenticated links: over mutual TLS the callee hears the member the certificate names; with a wrong cluster secret nothing is sent and nothing runs', async () => {
  const ca = makeCertAuthority();
  const nodes: TestNode[] = [];
  try {
    const a = await startNode('a', { security: tlsFor(ca, 'a') });
    const b = await startNode('b', { security: tlsFor(ca, 'b') });
    nodes.push(a, b);
    a.transport.setPeers(new Map([['b', b.address]]));
    b.transport.onCall(async (from, payload) => Buffer.from(`${from}:${text(payload)}`));
    assert.equal(text(await a.transport.call('b', Buffer.from('over tls'), 5000)), 'a:over tls');
    const c = await startNode('c', { security: secretOf('the cluster secret') });
    const intruder = await startNode('intruder', { security: secretOf('a guess') });
    nodes.push(c, intruder);
    let ran = 0;
    c.transport.onCall(async () => {
      ran++;
      return new Uint8Array(0);
    });
    intruder.transport.setPeers(new Map([['c', c.address]]));
    const refused = await failure(intruder.transport.call('c', Buffer.from('let me in'), 1000));
    assert.ok(refused instanceof CallNotSentError, String(refused));
    assert.equal(ran, 0, 'the handler never ran for a peer that could not prove the secret');
  } finally {
    await closeAll(nodes);
    ca.remove();
  }
});

test('CALL and RESULT frames round-trip; random bodies throw only CAIRN_CORRUPT', () => {
  const body = (frame: Buffer): Buffer => frame.subarray(4);
  assert.deepEqual(decodeCall(body(encodeCall(7, Buffer.from('abc')))), { callId: 7, payload: new Uint8Array(Buffer.from('abc')) });
  assert.deepEqual(decodeResult(body(encodeResult(0xffff_ffff, ResultStatus.refused, Buffer.from('busy')))), { callId: 0xffff_ffff, status: ResultStatus.refused, payload: new Uint8Array(Buffer.from('busy')) });
  const badStatus = Buffer.from(body(encodeResult(1, ResultStatus.answered, new Uint8Array(0))));
  badStatus[6] = 9;
  assert.throws(() => decodeResult(badStatus), /result status 9/);
  const zeroId = Buffer.from(body(encodeCall(1, new Uint8Array(0))));
  zeroId[5] = 0;
  assert.throws(() => decodeCall(zeroId), /call id 0/);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (random) => {
    for (const decode of [decodeCall, decodeResult]) {
      try {
        decode(Buffer.from(random));
      } catch (error) {
        assert.ok(isCairnError(error, 'CAIRN_CORRUPT'), String(error));
      }
    }
  }));
});
