// Writes relayed by followers across the leader's death and across its pause (SIGSTOP, then
// SIGCONT): clients on the followers INCR their own counter and RPUSH unique values to their own
// list while the leader goes away. A relay whose answer was lost is settled by the follower's
// applied log (server/relay-waiters.ts), so with a new leader inside the leader wait no client
// hears "outcome unknown", every acknowledged INCR counts exactly once (the replies run 1, 2, 3 ...
// and the counter ends at the number acknowledged) and every acknowledged RPUSH value is in its
// list once, in order, and nothing else is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, show, TestCluster, waitFor } from './helpers.js';

interface Tally {
  readonly name: string;
  incrAcked: number;
  /** The INCR replies in order: each must be the one before plus one. */
  readonly incrReplies: number[];
  readonly pushed: string[];
  unknown: number;
  /** Definite refusals (CLUSTERDOWN): never applied. */
  refused: number;
  readonly other: string[];
}

interface Clients {
  readonly tallies: Tally[];
  /** Operations acknowledged so far, all clients together. */
  acked(): number;
  stop(): Promise<void>;
}

/** Sorts an error reply: an outcome-unknown answer, a definite refusal, or something else (recorded). */
function noteError(tally: Tally, message: string): void {
  if (/outcome unknown/.test(message)) tally.unknown++;
  else if (/^CLUSTERDOWN/.test(message)) tally.refused++;
  else tally.other.push(message);
}

/** One client on `port` alternating INCR and RPUSH on its own keys, on one connection, until stopped. */
async function runClient(port: number, tally: Tally, running: () => boolean): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    for (let seq = 0; running() && seq < 100_000; seq++) {
      const incr = await client.call('INCR', `counter:${tally.name}`);
      if (incr.type === 'integer') {
        tally.incrAcked++;
        tally.incrReplies.push(Number(incr.value));
      } else if (incr.type === 'error') noteError(tally, incr.message);
      else tally.other.push(JSON.stringify(show(incr)));
      const value = `${tally.name}-${seq}`;
      const push = await client.call('RPUSH', `list:${tally.name}`, value);
      if (push.type === 'integer') tally.pushed.push(value);
      else if (push.type === 'error') noteError(tally, push.message);
      else tally.other.push(JSON.stringify(show(push)));
    }
  } finally {
    client.close();
  }
}

function startClients(ports: readonly number[], perPort: number): Clients {
  let running = true;
  const tallies: Tally[] = [];
  const loops: Promise<void>[] = [];
  for (const [p, port] of ports.entries()) {
    for (let c = 0; c < perPort; c++) {
      const tally: Tally = { name: `f${p}c${c}`, incrAcked: 0, incrReplies: [], pushed: [], unknown: 0, refused: 0, other: [] };
      tallies.push(tally);
      loops.push(runClient(port, tally, () => running));
    }
  }
  const all = Promise.all(loops);
  // A loop that fails (its connection refused) ends the run with its error once stopped.
  all.catch(() => undefined);
  return {
    tallies,
    acked: () => tallies.reduce((sum, t) => sum + t.incrAcked + t.pushed.length, 0),
    stop: async () => {
      running = false;
      await all;
    },
  };
}

/** The leader `nodes` agree on, other than `not`, asking only them (a paused node answers nobody). */
async function leaderAmong(cluster: TestCluster, nodes: readonly number[], not: number): Promise<number> {
  return waitFor('a new leader the other nodes agree on', async () => {
    const leaders = await Promise.all(nodes.map(async (i) => (await cluster.info(i).catch(() => undefined))?.cairn_leader));
    const first = leaders[0];
    if (first === undefined || first === '' || leaders.some((l) => l !== first)) return undefined;
    const index = cluster.nodes.findIndex((n) => n.id === first);
    return index >= 0 && index !== not ? index : undefined;
  }, 20_000);
}

/** Every client's counter and list, read on `port` once the run is over, checked against what it was told. */
async function checkTallies(port: number, tallies: readonly Tally[]): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    for (const tally of tallies) {
      assert.deepEqual(tally.other, [], `${tally.name}: unexpected replies`);
      assert.equal(tally.unknown, 0, `${tally.name}: "outcome unknown" answers with a new leader inside the wait`);
      tally.incrReplies.forEach((reply, i) => assert.equal(reply, (tally.incrReplies[i - 1] ?? 0) + 1, `${tally.name}: INCR reply ${i} skips or repeats a count`));
      const counter = show(await client.call('GET', `counter:${tally.name}`));
      assert.equal(Number(counter ?? 0), tally.incrAcked, `${tally.name}: every acknowledged INCR counted once, nothing else`);
      const list = show(await client.call('LRANGE', `list:${tally.name}`, '0', '-1'));
      assert.deepEqual(list, tally.pushed, `${tally.name}: every acknowledged RPUSH value once, in order, nothing else`);
    }
  } finally {
    client.close();
  }
}

/** Every answer a client got, of any kind. */
function answered(tally: Tally): number {
  return tally.incrAcked + tally.pushed.length + tally.unknown + tally.refused + tally.other.length;
}

/** Runs clients on the two followers, does `disrupt` to the leader mid-run, and checks every tally. */
async function throughDisruption(disrupt: (cluster: TestCluster, leader: number, followers: number[], clients: Clients) => Promise<void>): Promise<void> {
  const cluster = await TestCluster.start(3);
  let clients: Clients | undefined;
  try {
    const leader = await cluster.leader();
    const followers = [0, 1, 2].filter((i) => i !== leader);
    clients = startClients(followers.map((i) => cluster.nodes[i]!.port), 4);
    const running = clients;
    await waitFor('writes acknowledged before the disruption', () => (running.acked() >= 200 ? true : undefined), 20_000);
    await disrupt(cluster, leader, followers, running);
    const before = running.acked();
    await waitFor('writes acknowledged after the disruption', () => (running.acked() >= before + 400 ? true : undefined), 30_000);
    await running.stop();
    clients = undefined;
    const now = await cluster.leader();
    // A CLUSTERDOWN answer (a loaded machine electing slowly) is definite: checked as never applied.
    await checkTallies(cluster.nodes[now]!.port, running.tallies);
  } finally {
    await clients?.stop().catch(() => undefined);
    for (const node of cluster.nodes) node.proc?.kill('SIGCONT');
    await cluster.cleanup();
  }
}

test('kill -9 the leader while followers relay INCR and RPUSH: no outcome unknown, each acknowledged write applied exactly once', async () => {
  await throughDisruption(async (cluster, leader, followers) => {
    await cluster.kill(leader);
    await leaderAmong(cluster, followers, leader);
  });
});

test('pause the leader (SIGSTOP) past an election, then resume it: no outcome unknown, each acknowledged write applied exactly once', async () => {
  await throughDisruption(async (cluster, leader, followers, clients) => {
    const proc = cluster.nodes[leader]!.proc!;
    proc.kill('SIGSTOP');
    const before = clients.tallies.map(answered);
    try {
      await leaderAmong(cluster, followers, leader);
      // Paused until every client's write in flight at the pause is answered: each was relayed to
      // the paused leader, and its link never answers (it gives up only after its call timeout).
      await waitFor('every write in flight at the pause answered', () => (clients.tallies.every((t, i) => answered(t) > before[i]!) ? true : undefined), 30_000);
    } finally {
      proc.kill('SIGCONT');
    }
    // The old leader hears of the new term and follows again.
    await cluster.leader();
  });
});
