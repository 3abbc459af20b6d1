// The two frames of the peer call channel (docs/TRANSPORT.md, "Calls"): CALL, which a node sends
// on its own outbound link to a peer, and RESULT, which the peer sends back on that same
// connection. Each carries a call id (chosen by the caller, unique among its calls in flight) and
// an opaque payload; a RESULT also says whether the peer ran the call (answered) or turned it away
// unrun (refused: busy, no handler, closing), which the caller may retry safely, or that the
// handler failed while running it (failed: the outcome is unknown).

import { assert } from '../../lib/assert.js';
import { frame } from './handshake.js';
import { corrupt, FRAME_HEADER_BYTES, FRAME_LENGTH_BYTES, PEER_PROTOCOL_VERSION, WireReader } from './wire.js';

export const CALL_TYPE = 0x50;
export const RESULT_TYPE = 0x51;
/** A call id, its status byte and its payload's length: a RESULT's body beyond the header. */
const RESULT_FIXED_BYTES = 4 + 1 + 4;
const CALL_FIXED_BYTES = 4 + 4;

export const ResultStatus = { answered: 0, refused: 1, failed: 2 } as const;
export type ResultStatus = (typeof ResultStatus)[keyof typeof ResultStatus];

export interface CallFrame {
  readonly callId: number;
  readonly payload: Uint8Array;
}

export interface ResultFrame extends CallFrame {
  readonly status: ResultStatus;
}

/** The frame's whole length on the wire for a payload of `payloadBytes`. */
export function callFrameBytes(payloadBytes: number): number {
  return FRAME_LENGTH_BYTES + FRAME_HEADER_BYTES + Math.max(CALL_FIXED_BYTES, RESULT_FIXED_BYTES) + payloadBytes;
}

function checkCallId(callId: number): number {
  assert(Number.isInteger(callId) && callId > 0 && callId <= 0xffff_ffff, 'a call id is a positive u32');
  return callId;
}

export function encodeCall(callId: number, payload: Uint8Array): Buffer {
  checkCallId(callId);
  return frame(CALL_TYPE, (sink) => {
    sink.u32(callId);
    sink.bytes(payload);
  });
}

export function encodeResult(callId: number, status: ResultStatus, payload: Uint8Array): Buffer {
  checkCallId(callId);
  return frame(RESULT_TYPE, (sink) => {
    sink.u32(callId);
    sink.u8(status);
    sink.bytes(payload);
  });
}

/** The frame type of a frame body (its second byte), or -1 for a body too short to have one. */
export function frameType(body: Buffer): number {
  return body.length >= FRAME_HEADER_BYTES ? body[1]! : -1;
}

function header(r: WireReader, type: number, name: string): void {
  const version = r.u8('version');
  if (version !== PEER_PROTOCOL_VERSION) throw corrupt(`version ${version}, expected ${PEER_PROTOCOL_VERSION}`);
  const got = r.u8('type');
  if (got !== type) throw corrupt(`expected ${name}, got type ${got}`);
}

function callId(r: WireReader): number {
  const id = r.u32('callId');
  if (id === 0) throw corrupt('call id 0');
  return id;
}

/** A CALL body, checked whole; throws CAIRN_CORRUPT when malformed. */
export function decodeCall(body: Buffer): CallFrame {
  const r = new WireReader(body);
  header(r, CALL_TYPE, 'CALL');
  const id = callId(r);
  const payload = r.bytes('payload');
  r.end('CALL');
  return { callId: id, payload };
}

/** A RESULT body, checked whole; throws CAIRN_CORRUPT when malformed. */
export function decodeResult(body: Buffer): ResultFrame {
  const r = new WireReader(body);
  header(r, RESULT_TYPE, 'RESULT');
  const id = callId(r);
  const status = r.u8('status');
  if (status !== ResultStatus.answered && status !== ResultStatus.refused && status !== ResultStatus.failed) throw corrupt(`result status ${status}`);
  const payload = r.bytes('payload');
  r.end('RESULT');
  return { callId: id, status, payload };
}
