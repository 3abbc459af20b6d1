// A short benchmark of the peer protocol (not part of the suite):
//   node --import tsx test/runtime/peer-bench.ts
// codec encode+decode rate, one-way throughput between two transports on loopback, and the
// round-trip latency of a heartbeat / heartbeatResponse ping-pong.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { decodeMessage, encodeMessage } from '../../src/runtime/peer/codec.js';
import type { Entry, Message } from '../../src/raft/types.js';
import { closeAll, connectAll, heartbeat, startNode, waitFor } from './peer-helpers.js';

function append(entries: number, dataBytes: number): Message {
  const list: Entry[] = Array.from({ length: entries }, (_, i) => ({ index: 101 + i, term: 3, kind: 0, data: new Uint8Array(dataBytes).fill(i) }));
  return { type: 'append', from: 'a', to: 'b', term: 3, incarnation: '0000000000000000', prevIndex: 100, prevTerm: 3, commitIndex: 90, entries: list };
}

function codec(name: string, message: Message, rounds: number): void {
  const started = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    const frame = encodeMessage(message);
    bytes += frame.length;
    decodeMessage(frame.subarray(4));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`codec ${name}: ${Math.round(rounds / seconds)} encode+decode/s, ${(bytes / seconds / 1e6).toFixed(0)} MB/s`);
}

async function throughput(name: string, message: Message, count: number, perTurn: number): Promise<void> {
  const [a, b] = await Promise.all([startNode('a'), startNode('b')]);
  try {
    connectAll([a, b]);
    await waitFor('connected', () => a.transport.stats().every((s) => s.connected), 5000);
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      a.transport.send('b', message);
      if (i % perTurn === perTurn - 1) await nextTurn();
      if (i % 1000 === 999) b.received.length = 0; // keep memory flat; count via stats
    }
    await waitFor('all received', () => b.transport.stats()[0]!.receivedMessages === count, 60_000);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const s = a.transport.stats()[0]!;
    console.log(`transport ${name}: ${Math.round(count / seconds)} msgs/s, ${(s.sentBytes / seconds / 1e6).toFixed(0)} MB/s, ${s.writes} writes for ${count} messages, ${s.droppedMessages} dropped`);
  } finally {
    await closeAll([a, b]);
  }
}

/** Resolves on the first event-loop turn where `condition` holds (no timer granularity added). */
async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns > 1_000_000) throw new Error('condition never held');
    await nextTurn();
  }
}

async function pingPong(rounds: number): Promise<void> {
  const [a, b] = await Promise.all([startNode('a'), startNode('b')]);
  try {
    connectAll([a, b]);
    await waitFor('connected', () => a.transport.stats().every((s) => s.connected) && b.transport.stats().every((s) => s.connected), 5000);
    const latenciesUs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = process.hrtime.bigint();
      a.transport.send('b', heartbeat('a', 'b', i));
      await until(() => b.received.length > i);
      b.transport.send('a', { type: 'heartbeatResponse', from: 'b', to: 'a', term: 1, incarnation: '0000000000000000', readSeq: i });
      await until(() => a.received.length > i);
      latenciesUs.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    latenciesUs.sort((x, y) => x - y);
    const at = (q: number): string => (latenciesUs[Math.floor(q * (latenciesUs.length - 1))]!).toFixed(0);
    console.log(`ping-pong (heartbeat there, response back, same process): p50 ${at(0.5)} µs, p99 ${at(0.99)} µs over ${rounds} rounds`);
  } finally {
    await closeAll([a, b]);
  }
}

codec('heartbeat', heartbeat('n1', 'n2', 7), 200_000);
codec('append 64 x 100 B', append(64, 100), 20_000);
codec('append 1 x 4 KiB', append(1, 4096), 100_000);
await throughput('heartbeats, 100 per turn', heartbeat('a', 'b', 1), 200_000, 100);
await throughput('appends 64 x 100 B, 10 per turn', append(64, 100), 20_000, 10);
await throughput('appends 1 x 4 KiB, 64 per turn', append(1, 4096), 50_000, 64);
await pingPong(2000);
