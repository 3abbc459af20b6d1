// Shared helpers for the kv tests: argv from strings, replies to plain values for comparison.

import type { Reply } from '../../src/lib/reply.js';
import { KvState } from '../../src/kv/state.js';

export function argv(...parts: (string | Uint8Array)[]): Uint8Array[] {
  return parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p));
}

/** A reply as a plain JSON-able value: bulk → string, error → {error}, integer → number or string. */
export type Plain = string | number | null | { error: string } | { simple: string } | Plain[];

export function plain(reply: Reply): Plain {
  switch (reply.type) {
    case 'simple': return { simple: reply.value };
    case 'error': return { error: reply.message };
    case 'integer': return typeof reply.value === 'bigint' ? reply.value.toString() : reply.value;
    case 'bulk': return Buffer.from(reply.value).toString('latin1');
    case 'null': return null;
    case 'nullArray': return null;
    case 'nestedMap': return reply.entries.map(([k, v]) => [plain(k), plain(v)]);
    case 'array': case 'set': case 'push': case 'replies': return reply.items.map(plain);
    case 'map': case 'pairs': return reply.entries.flatMap(([k, v]) => [plain(k), plain(v)]);
    case 'double': return String(reply.value);
    case 'boolean': return reply.value ? 1 : 0;
    case 'verbatim': return reply.value;
  }
}

/** A state plus a one-liner to run a command at a time and get the plain reply. */
export function session(nowMs = 1_000_000) {
  const state = new KvState();
  const clock = { nowMs };
  const run = (...parts: (string | Uint8Array)[]): Plain => plain(state.execute(argv(...parts), clock.nowMs));
  return { state, clock, run };
}

export const OK = { simple: 'OK' };
export const err = (message: string) => ({ error: message });
