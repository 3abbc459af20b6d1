// Throughput of the Raft core alone: 3- and 5-node clusters in one process, zero-latency delivery
// (a plain loop moving messages, "persistence" that returns at once), so the number is the core's
// own cost per committed entry. `npm run bench:raft` (or `npx tsx bench/raft.ts --seconds 1`).

import { Prng } from '../src/lib/prng.js';
import { RaftNode } from '../src/raft/node.js';
import { makeMembership } from '../src/raft/membership.js';
import type { Message } from '../src/raft/types.js';

interface Result {
  nodes: number;
  batch: number;
  entriesPerSecond: number;
  messagesPerEntry: number;
}

function makeCluster(size: number): Map<string, RaftNode> {
  const ids = Array.from({ length: size }, (_, i) => `n${i}`);
  const membership = makeMembership(ids);
  const nodes = new Map<string, RaftNode>();
  ids.forEach((id, i) => {
    nodes.set(id, new RaftNode(
      { id, prng: new Prng(i + 1), maxInflightMessages: 256 },
      { hardState: { term: 0, votedFor: null, commitIndex: 0 }, snapshot: { meta: { index: 0, term: 0, membership }, data: new Uint8Array(0) }, entries: [] },
    ));
  });
  return nodes;
}

/** One pass: every node's Ready handled (persist is a no-op), then every message delivered. */
function pump(nodes: Map<string, RaftNode>, leader: RaftNode, onCommitted: (count: number) => void): number {
  const queue: Message[] = [];
  for (const node of nodes.values()) {
    if (!node.hasReady()) continue;
    const rd = node.ready();
    for (const m of rd.messages) queue.push(m);
    if (node === leader) onCommitted(rd.committedEntries.length);
    node.advance(rd);
  }
  for (const m of queue) nodes.get(m.to)!.step(m);
  return queue.length;
}

function run(size: number, batch: number, seconds: number): Result {
  const nodes = makeCluster(size);
  const leader = nodes.get('n0')!;
  leader.campaign();
  for (let i = 0; i < 20 && leader.status().role !== 'leader'; i++) pump(nodes, leader, () => {});
  if (leader.status().role !== 'leader') throw new Error('no leader');
  const payload = new Uint8Array(16);
  let committed = 0;
  let proposed = 0;
  let messages = 0;
  const window = 8 * batch;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let now = started;
  while (now < deadline) {
    for (let round = 0; round < 16; round++) {
      if (proposed - committed < window) {
        for (let i = 0; i < batch; i++) leader.propose(payload);
        proposed += batch;
      }
      messages += pump(nodes, leader, (count) => { committed += count; });
    }
    now = performance.now();
  }
  const elapsedSeconds = (now - started) / 1000;
  return { nodes: size, batch, entriesPerSecond: committed / elapsedSeconds, messagesPerEntry: messages / Math.max(1, committed) };
}

function main(): void {
  const secondsArg = process.argv.indexOf('--seconds');
  const seconds = secondsArg >= 0 ? Number(process.argv[secondsArg + 1]) : 3;
  if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
  run(3, 64, Math.min(seconds, 0.5)); // warm the JIT up so the first row is not penalised
  console.log(`raft core throughput (zero-latency in-process delivery, 16-byte entries, ${seconds}s per row)`);
  for (const size of [3, 5]) {
    for (const batch of [1, 64, 1024]) {
      const r = run(size, batch, seconds);
      console.log(`nodes=${r.nodes} batch=${String(r.batch).padStart(4)}  committed entries/s=${Math.round(r.entriesPerSecond).toLocaleString('en-US').padStart(11)}  messages/entry=${r.messagesPerEntry.toFixed(3)}`);
    }
  }
}

main();
