// Failover time of one system: writers on every surviving member, kill -9 the leader, and time
// from the kill signal to the first write that was sent after the old leader had exited and was
// then acknowledged (so only the new leader can have committed it). The writers are open-loop:
// each member gets a new write every `probeIntervalMs` (bounded in flight) rather than one write
// at a time, so a request that stalls in the election (etcd drops a proposal made while there
// is no leader and answers only at its ~7 s request timeout) does not hide the new leader; the
// result is exact to about one probe interval. The killed member is restarted and caught up
// before the next round; every round is bounded by a deadline.
import { performance } from 'node:perf_hooks';
import { assert } from '../../src/lib/assert.js';
import type { BenchCluster, KvConnection } from './kv-connection.js';
import { keyName } from './load.js';
import { waitFor } from './procs.js';

const leaderTimeoutMs = 15_000;
const warmAcks = 20;
const probeIntervalMs = 10;
const maxInFlightPerMember = 256;
const maxConnectionsPerMember = 1000;

interface RoundState {
  exitedAtMs: number;
  firstAckAfterMs: number;
  acks: number;
  /** Set by a prober that gave up; the round fails with it. */
  failure: string;
}

/** One round; resolves with the failover time in ms. */
export async function failoverRound(cluster: BenchCluster, keyCount: number, value: Buffer, roundTimeoutMs: number): Promise<number> {
  const leader = await cluster.leader(leaderTimeoutMs);
  const survivors = cluster.live().filter((i) => i !== leader);
  assert(survivors.length * 2 > cluster.size - 1, 'a majority must survive the kill');
  const state: RoundState = { exitedAtMs: Number.POSITIVE_INFINITY, firstAckAfterMs: Number.POSITIVE_INFINITY, acks: 0, failure: '' };
  const probers = survivors.map((member) => new Prober(cluster, member, keyCount, value, state));
  try {
    for (const prober of probers) prober.start();
    await waitFor('writes flowing before the kill', () => (failed(state) || state.acks >= warmAcks ? true : undefined), roundTimeoutMs);
    const killedAtMs = performance.now();
    await cluster.kill(leader);
    state.exitedAtMs = performance.now();
    await waitFor('a write acknowledged by the new leader', () => (failed(state) || state.firstAckAfterMs < Number.POSITIVE_INFINITY ? true : undefined), roundTimeoutMs);
    return state.firstAckAfterMs - killedAtMs;
  } finally {
    for (const prober of probers) prober.stop();
    if (!cluster.live().includes(leader)) await cluster.restart(leader);
  }
}

function failed(state: RoundState): boolean {
  if (state.failure !== '') throw new Error(state.failure);
  return false;
}

/** Sends a write to one member every probe interval over one connection, reopened when it breaks. */
class Prober {
  private timer: NodeJS.Timeout | null = null;
  private connection: KvConnection | null = null;
  private connecting = false;
  private opened = 0;
  private inFlight = 0;
  private sent = 0;

  constructor(
    private readonly cluster: BenchCluster,
    private readonly member: number,
    private readonly keyCount: number,
    private readonly value: Buffer,
    private readonly state: RoundState,
  ) {}

  start(): void {
    assert(this.timer === null, 'a prober starts once');
    this.timer = setInterval(() => this.tick(), probeIntervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.connection?.close();
    this.connection = null;
  }

  private tick(): void {
    if (this.connection === null || !this.connection.usable()) {
      this.reconnect();
      return;
    }
    if (this.inFlight >= maxInFlightPerMember) return;
    const sentMs = performance.now();
    const key = keyName((this.member * 7919 + this.sent++) % this.keyCount);
    this.inFlight++;
    this.connection.write(key, this.value).then(
      () => {
        this.inFlight--;
        this.state.acks++;
        if (sentMs > this.state.exitedAtMs) this.state.firstAckAfterMs = Math.min(this.state.firstAckAfterMs, performance.now());
      },
      () => {
        // CLUSTERDOWN, "outcome unknown", no leader, a timeout: the election is still on.
        this.inFlight--;
      },
    );
  }

  private reconnect(): void {
    if (this.connecting || this.timer === null) return;
    if (this.opened >= maxConnectionsPerMember) {
      this.state.failure = `more than ${maxConnectionsPerMember} connections to member ${this.member} in one round`;
      return;
    }
    this.connecting = true;
    this.opened++;
    this.connection?.close();
    this.cluster.connect(this.member, maxInFlightPerMember).then(
      (connection) => {
        this.connecting = false;
        if (this.timer === null) connection.close();
        else this.connection = connection;
      },
      () => {
        this.connecting = false;
      },
    );
  }
}
