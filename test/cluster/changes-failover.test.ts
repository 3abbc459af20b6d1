// The change feed across a failover, with real processes: a reader follows `__cairn:changes` with
// XREAD BLOCK on the leader, another with CAIRN.WATCH, while clients write through every node; the
// leader is killed (-9) mid-stream, each reconnects to another node with its last ID and goes on
// (the watch FROM that ID's revision, dropping what it already had). What each read must
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

/** The frames a watching connection has received (every one parsed: several may come in one read), waiting up to a second for one. */
async function nextFrames(client: RawClient): Promise<ServerReply[]> {
  const frames: ServerReply[] = [];
  for (const deadlineMs = Date.now() + 1_000; frames.length === 0 && !client.closed && Date.now() < deadlineMs;) {
    for (let reply = client.parser.next(); reply !== undefined; reply = client.parser.next()) frames.push(reply);
    if (frames.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return frames;
}

/** A reader following the feed from `lastId` on node `at`, switching nodes when its connection fails. */
class Follower {
  readonly entries: FeedEntry[] = [];
  lastId = '0-0';
  reconnects = 0;
  private running = true;
  private readonly loop: Promise<void>;

  /** `watch`: through CAIRN.WATCH * FROM (its last revision, dropping what it already has) instead of XREAD. */
  constructor(private readonly cluster: TestCluster, private at: number, private readonly watch = false) {
    this.loop = this.run();
  }

  private take(entry: FeedEntry): void {
    const [rev, i] = entry.id.split('-').map(Number) as [number, number];
    const [lastRev, lastI] = this.lastId.split('-').map(Number) as [number, number];
    if (rev < lastRev || (rev === lastRev && i <= lastI)) return; // a watch resumed within a revision it had begun
    this.entries.push(entry);
    this.lastId = entry.id;
  }

  private async follow(client: RawClient): Promise<void> {
    if (this.watch) {
      await client.call('HELLO', '3');
      client.command('CAIRN.WATCH', '*', 'FROM', String(Math.max(1, Number(this.lastId.split('-')[0]))));
    }
    while (this.running) {
      const replies = this.watch ? await nextFrames(client) : [await client.call('XREAD', 'COUNT', '200', 'BLOCK', '300', 'STREAMS', FEED, this.lastId)];
      if (client.closed) throw new Error('closed');
      for (const reply of replies) {
        if (reply.type === 'error') throw new Error(reply.message);
        if (!this.watch) for (const entry of entriesOf(reply, true)) this.take(entry);
        const frame = show(reply) as [string, string, string, string[]];
        if (this.watch && frame[0] === 'change') this.take({ id: frame[2], fields: frame[3] });
      }
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const client = await RawClient.connect(this.cluster.nodes[this.at]!.port).catch(() => undefined);
      try {
        if (client !== undefined) await this.follow(client);
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

test('readers (XREAD, CAIRN.WATCH) that resume from their last ID on another node after the leader is killed get every change once, in order', async () => {
  const cluster = await TestCluster.start(3);
  const writers: Writer[] = [];
  let follower: Follower | undefined;
  let watcher: Follower | undefined;
  try {
    const leader = await cluster.leader();
    follower = new Follower(cluster, leader);
    watcher = new Follower(cluster, leader, true);
    for (let w = 0; w < 3; w++) writers.push(startWriter(cluster, `w${w}`));
    const [reader, watching] = [follower, watcher];
    await waitFor('the readers to follow some changes', () => (reader.entries.length >= 200 && watching.entries.length >= 200 ? true : undefined), 30_000);
    await cluster.kill(leader);
    const readBeforeKill = Math.max(reader.entries.length, watching.entries.length);
    await cluster.leader();
    const progress = (): string => `XREAD ${reader.entries.length} read, ${reader.reconnects} reconnects; CAIRN.WATCH ${watching.entries.length}, ${watching.reconnects}; ${readBeforeKill} before the kill`;
    await waitFor('the readers to resume elsewhere and go on', () => (
      Math.min(reader.reconnects, watching.reconnects) > 0 && Math.min(reader.entries.length, watching.entries.length) > readBeforeKill + 200 ? true : undefined
    ), 30_000).catch((error: Error) => Promise.reject(new Error(`${error.message}: ${progress()}`)));
    for (const writer of writers) await writer.stop();
    const live = cluster.live();
    const last = show(await call(cluster.nodes[live[0]!]!.port, 'CAIRN.REVISION')) as number;
    await waitFor('the readers to reach the last revision', () => (reader.lastId.startsWith(`${last}-`) && watching.lastId.startsWith(`${last}-`) ? true : undefined), 30_000);
    await reader.stop();
    await watching.stop();
    // Exactly the history every live node holds, in order, without a gap or a duplicate.
    for (const i of live) {
      const full = entriesOf(await call(cluster.nodes[i]!.port, 'XRANGE', FEED, '-', '+'), false);
      assert.deepEqual(reader.entries, full, `XREAD: node ${cluster.nodes[i]!.id}'s history`);
      const differs = full.findIndex((entry, at) => JSON.stringify(entry) !== JSON.stringify(watching.entries[at]));
      assert.deepEqual(watching.entries, full, `CAIRN.WATCH: node ${cluster.nodes[i]!.id}'s history, from ${differs}: ${JSON.stringify(watching.entries.slice(differs, differs + 2))} for ${JSON.stringify(full.slice(differs, differs + 2))}`);
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
    await watcher?.stop();
    await cluster.cleanup();
  }
});
