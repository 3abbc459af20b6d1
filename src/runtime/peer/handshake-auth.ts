// The cluster-secret proof of the peer handshake: a mutual challenge-response with HMAC-SHA256.
// The dialler's HELLO carries its nonce; the listener answers CHALLENGE with its own nonce and
// MAC("listener", ...); the dialler checks it and answers PROOF with MAC("dialler", ...). Both MACs
// cover the cluster id, both node ids and both nonces, so neither side accepts a peer that does
// not know the secret, a recorded handshake is worthless against a fresh nonce, and one side's MAC
// cannot be reflected as the other's (different labels). The secret itself never leaves the node.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MAC_BYTES, NONCE_BYTES, type Hello } from './handshake.js';

/** Which side's proof: each side signs its own label, so one proof never passes for the other. */
export type ProofRole = 'listener' | 'dialler';

/** Fresh random bytes for one handshake. */
export function newNonce(): Uint8Array {
  return randomBytes(NONCE_BYTES);
}

/** MAC over the handshake: the role, the cluster id, the dialler and listener ids and both nonces, each length-prefixed. */
export function handshakeMac(secret: Uint8Array, role: ProofRole, hello: Hello, listenerNonce: Uint8Array): Uint8Array {
  const hmac = createHmac('sha256', secret);
  for (const part of [role, hello.clusterId, hello.from, hello.to]) {
    const bytes = Buffer.from(part, 'utf8');
    hmac.update(lengthOf(bytes.length)).update(bytes);
  }
  hmac.update(lengthOf(hello.nonce.length)).update(hello.nonce);
  hmac.update(lengthOf(listenerNonce.length)).update(listenerNonce);
  return hmac.digest();
}

function lengthOf(bytes: number): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(bytes, 0);
  return prefix;
}

/** True when `mac` is the expected proof; constant time in the MAC's contents. */
export function proofMatches(secret: Uint8Array, role: ProofRole, hello: Hello, listenerNonce: Uint8Array, mac: Uint8Array): boolean {
  if (mac.length !== MAC_BYTES) return false;
  return timingSafeEqual(handshakeMac(secret, role, hello, listenerNonce), mac);
}
