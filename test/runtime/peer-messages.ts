// Test helpers for the peer protocol: fast-check arbitraries for every Raft message variant and
// one fixed sample of each, shared by the codec and transport tests.

import fc from 'fast-check';
import type { Entry, Message } from '../../src/raft/types.js';

const idArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => Buffer.byteLength(s) <= 255);
const u64 = fc.maxSafeNat();
const small = fc.nat({ max: 1_000_000 });
const bytesArb = fc.uint8Array({ maxLength: 64 });
const incarnationArb = fc.tuple(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }))
  .map(([high, low]) => high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0'));
const base = { from: idArb, to: idArb, term: u64, incarnation: incarnationArb };
const membershipArb = fc.record({
  voters: fc.array(idArb, { maxLength: 5 }),
  learners: fc.array(idArb, { maxLength: 3 }),
});

const appendArb = fc.record({
  ...base,
  prevIndex: fc.nat({ max: Number.MAX_SAFE_INTEGER - 100 }),
  prevTerm: u64,
  commitIndex: u64,
  entries: fc.array(fc.record({ term: u64, kind: fc.nat({ max: 255 }), data: bytesArb }), { maxLength: 8 }),
}).map(({ entries, ...rest }): Message => ({
  type: 'append',
  ...rest,
  entries: entries.map((e, i): Entry => ({ index: rest.prevIndex + 1 + i, term: e.term, kind: e.kind, data: e.data })),
}));

// fast-check builds records without a prototype; structuredClone gives the plain objects Raft makes.
export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('vote' as const), ...base, preVote: fc.boolean(), transfer: fc.boolean(), lastLogIndex: u64, lastLogTerm: u64 }),
  fc.record({ type: fc.constant('voteResponse' as const), ...base, preVote: fc.boolean(), granted: fc.boolean() }),
  appendArb,
  fc.record({
    type: fc.constant('appendResponse' as const), ...base, success: fc.boolean(), matchIndex: u64, rejectedIndex: u64,
    conflictTerm: u64, conflictIndex: u64,
  }),
  fc.record({ type: fc.constant('heartbeat' as const), ...base, commitIndex: u64, readSeq: u64 }),
  fc.record({ type: fc.constant('heartbeatResponse' as const), ...base, readSeq: u64 }),
  fc.record({
    type: fc.constant('snapshot' as const), ...base,
    meta: fc.record({ index: u64, term: u64, membership: membershipArb }), totalBytes: small, offset: small, chunk: bytesArb,
  }),
  fc.record({ type: fc.constant('snapshotResponse' as const), ...base, snapshotIndex: u64, nextOffset: u64, done: fc.boolean() }),
  fc.record({ type: fc.constant('timeoutNow' as const), ...base }),
  fc.record({ type: fc.constant('readIndex' as const), ...base, requestId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) }),
  fc.record({
    type: fc.constant('readIndexResponse' as const), ...base,
    requestId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), index: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER - 1 }),
  }),
  fc.record({ type: fc.constant('staleIncarnation' as const), ...base, rejected: incarnationArb }),
  fc.record({ type: fc.constant('incarnations' as const), ...base, peers: fc.array(fc.record({ id: idArb, incarnation: incarnationArb }), { maxLength: 6 }) }),
).map((message) => structuredClone(message));

/** One message of every type from `from` to `to`, with recognisable field values. */
export function sampleMessages(from: string, to: string): Message[] {
  const b = { from, to, term: 7, incarnation: '0123456789abcdef' };
  const data = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
  return [
    { type: 'vote', ...b, preVote: true, transfer: false, lastLogIndex: 41, lastLogTerm: 6 },
    { type: 'voteResponse', ...b, preVote: false, granted: true },
    {
      type: 'append', ...b, prevIndex: 10, prevTerm: 6, commitIndex: 9,
      entries: [{ index: 11, term: 7, kind: 0, data: data('set a 1') }, { index: 12, term: 7, kind: 1, data: new Uint8Array(0) }],
    },
    { type: 'appendResponse', ...b, success: false, matchIndex: 0, rejectedIndex: 10, conflictTerm: 5, conflictIndex: 8 },
    { type: 'heartbeat', ...b, commitIndex: 12, readSeq: 3 },
    { type: 'heartbeatResponse', ...b, readSeq: 3 },
    {
      type: 'snapshot', ...b, meta: { index: 100, term: 6, membership: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } },
      totalBytes: 5, offset: 0, chunk: data('hello'),
    },
    { type: 'snapshotResponse', ...b, snapshotIndex: 100, nextOffset: 5, done: true },
    { type: 'timeoutNow', ...b },
    { type: 'readIndex', ...b, requestId: `${from}/r1` },
    { type: 'readIndexResponse', ...b, requestId: `${from}/r1`, index: -1 },
    { type: 'staleIncarnation', ...b, rejected: 'fedcba9876543210' },
    { type: 'incarnations', ...b, peers: [{ id: 'n1', incarnation: '00000000000000ff' }, { id: 'n3', incarnation: 'ffffffff00000000' }] },
  ];
}
