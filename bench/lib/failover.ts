// Failover time of one system: writers on every member, kill -9 the leader, and time from the
// kill signal to the first write that was sent after the old leader had exited and was then
// acknowledged (so only the new leader can have committed it). The killed member is restarted
// and caught up before the next round; every round is bounded by a deadline.
import { performance } from 'node:perf_hooks';
import { assert } from '../../src/lib/assert.js';
import type { BenchCluster, KvConnection } from './kv-connection.js';
import { keyName } from './load.js';
import { waitFor } from './procs.js';

const leaderTimeoutMs = 15_000;
const warmAcks = 20;
const retryBackoffMs = 5;
const maxWritesPerRound = 1_000_000;
const maxConnectionsPerRound = 10_000;

interface RoundState {
  exitedAtMs: number;
  firstAckAfterMs: number;
  acks: number;
  stop: boolean;
}

/** One round; resolves with the failover time in ms. */
export async function failoverRound(cluster: BenchCluster, keyCount: number, value: Buffer, roundTimeoutMs: number): Promise<number> {
  const leader = await cluster.leader(leaderTimeoutMs);
  const survivors = cluster.live().filter((i) => i !== leader);
  assert(survivors.length * 2 > cluster.size - 1, 'a majority must survive the kill');
  const state: RoundState = { exitedAtMs: Number.POSITIVE_INFINITY, firstAckAfterMs: Number.POSITIVE_INFINITY, acks: 0, stop: false };
  const connections: KvConnection[] = [];
  const writers: Promise<void>[] = [];
  try {
    for (const member of survivors) {
      writers.push(writer(cluster, member, connections, keyCount, value, state));
    }
    await waitFor('writes flowing before the kill', () => (state.acks >= warmAcks ? true : undefined), roundTimeoutMs);
    const killedAtMs = performance.now();
    await cluster.kill(leader);
    state.exitedAtMs = performance.now();
    await waitFor('a write acknowledged by the new leader', () => (state.firstAckAfterMs < Number.POSITIVE_INFINITY ? true : undefined), roundTimeoutMs);
    return state.firstAckAfterMs - killedAtMs;
  } finally {
    state.stop = true;
    for (const connection of connections) connection.close();
    await Promise.allSettled(writers);
    if (!cluster.live().includes(leader)) await cluster.restart(leader);
  }
}

/** Writes to one member in a loop, reopening its connection when it breaks. */
async function writer(cluster: BenchCluster, member: number, connections: KvConnection[], keyCount: number, value: Buffer, state: RoundState): Promise<void> {
  let connection: KvConnection | null = null;
  for (let n = 0; n < maxWritesPerRound && !state.stop; n++) {
    const sentMs = performance.now();
    try {
      if (connection === null || !connection.usable()) {
        if (connections.length >= maxConnectionsPerRound) throw new Error(`more than ${maxConnectionsPerRound} reconnects in one round`);
        connection = await cluster.connect(member);
        connections.push(connection);
        if (state.stop) break;
      }
      await connection.write(keyName((member * 7919 + n) % keyCount), value);
      state.acks++;
      if (sentMs > state.exitedAtMs) state.firstAckAfterMs = Math.min(state.firstAckAfterMs, performance.now());
    } catch {
      // CLUSTERDOWN, "outcome unknown", no leader, a timeout: the election is still on.
      if (state.stop) break;
      await new Promise((resolve) => setTimeout(resolve, retryBackoffMs));
    }
  }
  connection?.close();
}
