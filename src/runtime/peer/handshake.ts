// The handshake that opens every peer connection. The dialling node sends HELLO (cluster id, its
// own id, the id it means to reach, a fresh nonce); with a cluster secret the listener answers
// CHALLENGE (its nonce and its proof) and the dialler PROOF (handshake-auth.ts); the listener then
// answers ACCEPT or REFUSE (with a reason) and closes a refused socket. Only after ACCEPT does the
// dialler send Raft messages, so nodes of two clusters, of two protocol versions or without the
// secret never exchange one. After ACCEPT the listener sends only KEEPALIVE frames on that
// connection. Frames as in peer/codec.ts.

import { assert } from '../../lib/assert.js';
import {
  BufferSink, corrupt, FRAME_HEADER_BYTES, FRAME_LENGTH_BYTES, ID_BYTES_MAX, PEER_PROTOCOL_VERSION, SizeSink, WireReader,
} from './wire.js';
import type { WireSink } from './wire.js';

export const HELLO_TYPE = 0x40;
export const ACCEPT_TYPE = 0x41;
export const REFUSE_TYPE = 0x42;
/** Sent by the listener on an accepted connection so the dialler can tell a silent peer from a quiet one. */
export const KEEPALIVE_TYPE = 0x43;
/** The listener's half of the cluster-secret proof: its nonce and its MAC. */
export const CHALLENGE_TYPE = 0x44;
/** The dialler's half of the cluster-secret proof: its MAC. */
export const PROOF_TYPE = 0x45;
/** Bytes of a handshake nonce and of an HMAC-SHA256. */
export const NONCE_BYTES = 32;
export const MAC_BYTES = 32;
/** A refusal's reason is at most this many bytes of UTF-8. */
export const REASON_BYTES_MAX = 1024;
/** The largest HELLO body (three ids of 255 bytes and a nonce): the frame cap before a connection is accepted. */
export const HELLO_FRAME_BYTES_MAX = 2 + 3 * (1 + ID_BYTES_MAX) + 4 + NONCE_BYTES;

export interface Hello {
  clusterId: string;
  /** The dialling node. */
  from: string;
  /** The node the dialler believes it reached. */
  to: string;
  /** The dialler's fresh random bytes (NONCE_BYTES): a recorded handshake proves nothing later. */
  nonce: Uint8Array;
}

export type HelloResult = { kind: 'hello'; hello: Hello } | { kind: 'version'; version: number };
export type HelloReply =
  | { kind: 'accept'; nodeId: string; keepaliveIntervalMs: number }
  | { kind: 'refuse'; reason: string }
  | { kind: 'challenge'; nonce: Uint8Array; mac: Uint8Array };

/** One whole frame of `type` whose fields `write` puts in (once to measure, once to write); call-frames.ts uses it too. */
export function frame(type: number, write: (sink: WireSink) => void): Buffer {
  const sizer = new SizeSink();
  write(sizer);
  const bodyBytes = FRAME_HEADER_BYTES + sizer.size;
  const buffer = Buffer.allocUnsafe(FRAME_LENGTH_BYTES + bodyBytes);
  const sink = new BufferSink(buffer);
  sink.u32(bodyBytes);
  sink.u8(PEER_PROTOCOL_VERSION);
  sink.u8(type);
  write(sink);
  assert(sink.offset === buffer.length, 'frame size mismatch');
  return buffer;
}

export function encodeHello(hello: Hello): Buffer {
  return frame(HELLO_TYPE, (sink) => {
    sink.str(hello.clusterId, ID_BYTES_MAX, 'clusterId');
    sink.str(hello.from, ID_BYTES_MAX, 'from');
    sink.str(hello.to, ID_BYTES_MAX, 'to');
    sink.bytes(fixed(hello.nonce, NONCE_BYTES, 'nonce'));
  });
}

function fixed(value: Uint8Array, bytes: number, field: string): Uint8Array {
  assert(value.length === bytes, `${field} must be ${bytes} bytes`);
  return value;
}

function readFixed(r: WireReader, bytes: number, field: string): Uint8Array {
  const value = r.bytes(field);
  if (value.length !== bytes) throw corrupt(`${field} is ${value.length} bytes, expected ${bytes}`);
  return value;
}

/** The listener's answer to HELLO when the cluster has a secret. */
export function encodeChallenge(nonce: Uint8Array, mac: Uint8Array): Buffer {
  return frame(CHALLENGE_TYPE, (sink) => {
    sink.bytes(fixed(nonce, NONCE_BYTES, 'nonce'));
    sink.bytes(fixed(mac, MAC_BYTES, 'mac'));
  });
}

export function encodeProof(mac: Uint8Array): Buffer {
  return frame(PROOF_TYPE, (sink) => sink.bytes(fixed(mac, MAC_BYTES, 'mac')));
}

/** The dialler's PROOF, the only frame a listener takes after its CHALLENGE; anything else throws CAIRN_CORRUPT. */
export function decodeProof(body: Buffer): Uint8Array {
  const r = new WireReader(body);
  const version = r.u8('version');
  if (version !== PEER_PROTOCOL_VERSION) throw corrupt(`version ${version}, expected ${PEER_PROTOCOL_VERSION}`);
  const type = r.u8('type');
  if (type !== PROOF_TYPE) throw corrupt(`expected PROOF after CHALLENGE, got type ${type}`);
  const mac = readFixed(r, MAC_BYTES, 'mac');
  r.end('PROOF');
  return mac;
}

/** ACCEPT names the listener and how often it sends keepalives, so the dialler can size its patience. */
export function encodeAccept(nodeId: string, keepaliveIntervalMs: number): Buffer {
  assert(Number.isInteger(keepaliveIntervalMs) && keepaliveIntervalMs > 0, 'keepalive interval must be a positive integer');
  return frame(ACCEPT_TYPE, (sink) => {
    sink.str(nodeId, ID_BYTES_MAX, 'nodeId');
    sink.u32(keepaliveIntervalMs);
  });
}

/** A reason too long for the frame is cut (by characters, so the UTF-8 stays whole). */
export function encodeRefuse(reason: string): Buffer {
  let text = reason.length === 0 ? 'refused' : reason;
  while (Buffer.byteLength(text, 'utf8') > REASON_BYTES_MAX) text = text.slice(0, Math.floor(text.length / 2));
  return frame(REFUSE_TYPE, (sink) => sink.str(text, REASON_BYTES_MAX, 'reason'));
}

/**
 * Decodes the first frame of an inbound connection. Another protocol version is reported, not
 * thrown, so the listener can refuse it politely; anything else malformed throws CAIRN_CORRUPT.
 */
export function decodeHello(body: Buffer): HelloResult {
  const r = new WireReader(body);
  const version = r.u8('version');
  if (version !== PEER_PROTOCOL_VERSION) return { kind: 'version', version };
  const type = r.u8('type');
  if (type !== HELLO_TYPE) throw corrupt(`expected HELLO (0x40) first, got type ${type}`);
  const clusterId = r.str(ID_BYTES_MAX, 'clusterId');
  const from = r.str(ID_BYTES_MAX, 'from');
  const to = r.str(ID_BYTES_MAX, 'to');
  const nonce = readFixed(r, NONCE_BYTES, 'nonce');
  r.end('HELLO');
  return { kind: 'hello', hello: { clusterId, from, to, nonce } };
}

/** Decodes the listener's answer to HELLO (or to PROOF). Another version counts as a refusal. */
export function decodeHelloReply(body: Buffer): HelloReply {
  const r = new WireReader(body);
  const version = r.u8('version');
  if (version !== PEER_PROTOCOL_VERSION) return { kind: 'refuse', reason: `peer speaks protocol version ${version}` };
  const type = r.u8('type');
  if (type === ACCEPT_TYPE) {
    const nodeId = r.str(ID_BYTES_MAX, 'nodeId');
    const keepaliveIntervalMs = r.u32('keepaliveIntervalMs');
    if (keepaliveIntervalMs === 0) throw corrupt('keepaliveIntervalMs is 0');
    r.end('ACCEPT');
    return { kind: 'accept', nodeId, keepaliveIntervalMs };
  }
  if (type === CHALLENGE_TYPE) {
    const nonce = readFixed(r, NONCE_BYTES, 'nonce');
    const mac = readFixed(r, MAC_BYTES, 'mac');
    r.end('CHALLENGE');
    return { kind: 'challenge', nonce, mac };
  }
  if (type !== REFUSE_TYPE) throw corrupt(`expected ACCEPT, CHALLENGE or REFUSE, got type ${type}`);
  const reason = r.str(REASON_BYTES_MAX, 'reason');
  r.end('REFUSE');
  return { kind: 'refuse', reason };
}

export function encodeKeepalive(): Buffer {
  return frame(KEEPALIVE_TYPE, () => {});
}

/** The only frame a dialler may receive after ACCEPT; anything else throws CAIRN_CORRUPT. */
export function decodeKeepalive(body: Buffer): void {
  const r = new WireReader(body);
  const version = r.u8('version');
  if (version !== PEER_PROTOCOL_VERSION) throw corrupt(`version ${version}, expected ${PEER_PROTOCOL_VERSION}`);
  const type = r.u8('type');
  if (type !== KEEPALIVE_TYPE) throw corrupt(`expected KEEPALIVE after ACCEPT, got type ${type}`);
  r.end('KEEPALIVE');
}
