// Shared by the per-type differential tests: run the same commands on a kv/ KvState and on a real
// redis-server (test/kv/redis-server.ts), in RESP2 or RESP3, and list every reply that differs byte
// for byte. A test may pass `equivalent` for replies Redis leaves unordered (SMEMBERS, HGETALL of a
// big hash, ...) or time-dependent; everything else must be identical.

import { Buffer } from 'node:buffer';
import { KvState } from '../../src/kv/state.js';
import { encodeReply, type Protocol } from '../../src/resp/encode.js';
import type { RedisProcess } from './redis-server.js';

/** Whether two differing replies to `argv` still count as the same (e.g. the same set in another order). */
export type Equivalence = (argv: readonly string[], ours: Buffer, theirs: Buffer) => boolean;

export interface DifferentialRun {
  readonly state: KvState;
  readonly protocol: Protocol;
  readonly redis: RedisProcess;
  readonly equivalent?: Equivalence;
}

/** Starts a run: a fresh KvState and a flushed redis-server speaking `protocol`. */
export async function startRun(redis: RedisProcess, protocol: Protocol, equivalent?: Equivalence): Promise<DifferentialRun> {
  await redis.sendRaw([[Buffer.from('HELLO'), Buffer.from(String(protocol))], [Buffer.from('FLUSHALL')]]);
  return { state: new KvState(), protocol, redis, ...(equivalent === undefined ? {} : { equivalent }) };
}

/** Sends a batch (latin1 strings) to both sides; returns one description per mismatching reply. */
export async function compareBatch(run: DifferentialRun, batch: readonly (readonly string[])[], nowMs = Date.now()): Promise<string[]> {
  const argvs = batch.map((parts) => parts.map((s) => Buffer.from(s, 'latin1')));
  const theirs = await run.redis.sendRaw(argvs);
  const mismatches: string[] = [];
  argvs.forEach((argv, i) => {
    const ours = encodeReply(run.state.execute(argv, nowMs), run.protocol);
    const reference = theirs[i] as Buffer;
    if (ours.equals(reference)) return;
    // Error messages are written as UTF-8: invalid UTF-8 quoted from input becomes U+FFFD.
    if (reference[0] === 0x2d && ours.equals(Buffer.from(reference.toString('utf8')))) return;
    const parts = batch[i] as readonly string[];
    if (run.equivalent?.(parts, ours, reference) === true) return;
    const previous = i > 0 ? ` after ${JSON.stringify(batch[i - 1])}` : '';
    mismatches.push(`${JSON.stringify(parts)}${previous}\n   cairn: ${JSON.stringify(ours.toString('latin1'))}\n   redis: ${JSON.stringify(reference.toString('latin1'))}`);
  });
  return mismatches;
}

/** The top-level elements of an array/set/map reply as raw strings, sorted; undefined if it is not one. */
export function sortedElements(reply: Buffer): string[] | undefined {
  const head = String.fromCharCode(reply[0] as number);
  if (!'*~%'.includes(head)) return undefined;
  const lineEnd = reply.indexOf('\r\n');
  const count = Number(reply.toString('latin1', 1, lineEnd)) * (head === '%' ? 2 : 1);
  const items: string[] = [];
  let at = lineEnd + 2;
  for (let i = 0; i < count; i++) {
    const end = elementEnd(reply, at);
    items.push(reply.toString('latin1', at, end));
    at = end;
  }
  if (head === '%') {
    const pairs: string[] = [];
    for (let i = 0; i < items.length; i += 2) pairs.push(`${items[i]}${items[i + 1]}`);
    return pairs.sort();
  }
  return items.sort();
}

/** Same elements in any order (same reply type and count). */
export function sameUnordered(ours: Buffer, theirs: Buffer): boolean {
  if (ours[0] !== theirs[0]) return false;
  const a = sortedElements(ours);
  const b = sortedElements(theirs);
  return a !== undefined && b !== undefined && a.join('\u0001') === b.join('\u0001');
}

function elementEnd(buf: Buffer, start: number): number {
  const lineEnd = buf.indexOf('\r\n', start);
  const type = String.fromCharCode(buf[start] as number);
  if ('+-:_,#('.includes(type)) return lineEnd + 2;
  const count = Number(buf.toString('latin1', start + 1, lineEnd));
  if ('$=!'.includes(type)) return count < 0 ? lineEnd + 2 : lineEnd + 2 + count + 2;
  let at = lineEnd + 2;
  const elements = type === '%' ? 2 * count : count;
  for (let i = 0; i < elements; i++) at = elementEnd(buf, at);
  return at;
}
