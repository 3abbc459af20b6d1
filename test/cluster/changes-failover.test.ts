// The change feed across a failover, with real processes: a reader follows `__cairn:changes` with
// XREAD BLOCK on the leader while clients write through every node; the leader is killed (-9)
// mid-stream, the reader reconnects to another node with its last ID and goes on. What it read must
// be the whole history exactly once, in order — equal to XRANGE - + on every live node — with
// consecutive revisions, and every acknowledged write must be in it with its value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerReply } from '../../src/resp/reply-parser.js';
import { call, RawClient, show, TestCluster, waitFor } from './helpers.js';

const FEED = '__cairn:changes';

interface FeedEntry {
  readonly id: string;
  readonly fields: string[];
}

/** The entries of an XREAD / XRANGE reply (RESP2). */
function entriesOf(reply: ServerReply, xread: boolean): FeedEntry[] {
  if (reply.type === 'null') return [];
  if (reply.type !== 'array') throw new Error(`unexpected reply ${JSON.stringify(show(reply))}`);
  const entries = (xread ? (show(reply) as [string, unknown][])[0]![1] : show(reply)) as [string, string[]][];
  return entries.map(([id, fields]) => ({ id, fields }));
}

interface Writer {
  readonly acked: Map<string, string>;
  stop(): Promise<void>;
}

/** Writes distinct keys through the live nodes in turn, moving on after an error; records what was acknowledged. */
function startWriter(cluster: TestCluster, name: string): Writer {
  const acked = new Map<string, string>();
  let running = true;
  const loop = (async () => {
    for (let seq = 0, turn = 0; running; turn++) {
      const live = cluster.live();
      const port = cluster.nodes[live[turn % live.length]!]!.port;
      const client = await RawClient.connect(port).catch(() => undefined);
      try {
        for (let n = 0; running && client !== undefined && n < 50; n++, seq++) {
          const reply = await client.call('SET', `${name}:${seq}`, `v${seq}`);
          if (reply.type !== 'simple') break;
          acked.set(`${name}:${seq}`, `v${seq}`);
        }
      } catch {
        // Its node went away: the next turn picks another.
      } finally {
        client?.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return { acked, stop: async () => { running = false; await loop; } };
}

/** A reader following the feed from `lastId` on node `at`, switching nodes when its connection fails. */
class Follower {
  readonly entries: FeedEntry[] = [];
  lastId = '0-0';
  reconnects = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly cluster: TestCluster, private at: number) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const client = await RawClient.connect(this.cluster.nodes[this.at]!.port).catch(() => undefined);
      try {
        while (this.running && client !== undefined) {
          const reply = await client.call('XREAD', 'COUNT', '200', 'BLOCK', '300', 'STREAMS', FEED, this.lastId);
          if (reply.type === 'error') throw new Error(reply.message);
          for (const entry of entriesOf(reply, true)) {
            this.entries.push(entry);
            this.lastId = entry.id;
          }
        }
      } catch {
        // The node is gone (or not serving yet): resume from the last ID on another live node.
      } finally {
        client?.close();
      }
      if (!this.running) break;
      this.reconnects++;
      const live = this.cluster.live().filter((i) => i !== this.at);
      this.at = live[this.reconnects % live.length] ?? this.at;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

test('a reader that resumes from its last ID on another node after the leader is killed gets every change once, in order', async () => {
  const cluster = await TestCluster.start(3);
  const writers: Writer[] = [];
  let follower: Follower | undefined;
  try {
    const leader = await cluster.leader();
    follower = new Follower(cluster, leader);
    for (let w = 0; w < 3; w++) writers.push(startWriter(cluster, `w${w}`));
    const reader = follower;
    await waitFor('the reader to follow some changes', () => (reader.entries.length >= 200 ? true : undefined), 30_000);
    await cluster.kill(leader);
    const readBeforeKill = reader.entries.length;
    await cluster.leader();
    await waitFor('the reader to resume elsewhere and go on', () => (reader.reconnects > 0 && reader.entries.length > readBeforeKill + 200 ? true : undefined), 30_000);
    for (const writer of writers) await writer.stop();
    const live = cluster.live();
    const last = show(await call(cluster.nodes[live[0]!]!.port, 'CAIRN.REVISION')) as number;
    await waitFor('the reader to reach the last revision', () => (reader.lastId.startsWith(`${last}-`) ? true : undefined), 30_000);
    await reader.stop();
    // Exactly the history every live node holds, in order, without a gap or a duplicate.
    for (const i of live) {
      const full = entriesOf(await call(cluster.nodes[i]!.port, 'XRANGE', FEED, '-', '+'), false);
      assert.deepEqual(reader.entries, full, `node ${cluster.nodes[i]!.id}'s history`);
    }
    const revisions = reader.entries.map((e) => Number(e.id.split('-')[0]));
    for (let r = 1; r < revisions.length; r++) assert.ok(revisions[r]! - revisions[r - 1]! <= 1, `no revision skipped at ${reader.entries[r]!.id}`);
    assert.equal(revisions[0], 1);
    const seen = new Map<string, string>();
    for (const { fields } of reader.entries) if (fields[1] === 'set') seen.set(fields[3]!, fields[5]!);
    let acked = 0;
    for (const writer of writers) {
      for (const [key, value] of writer.acked) {
        assert.equal(seen.get(key), value, `acknowledged ${key} is in the feed`);
        acked++;
      }
    }
    assert.ok(acked > 400 && reader.reconnects > 0, `${acked} acknowledged writes, ${reader.reconnects} reconnects`);
  } finally {
    for (const writer of writers) await writer.stop();
    await follower?.stop();
    await cluster.cleanup();
  }
});
