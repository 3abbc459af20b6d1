// A real three-node cluster serving clients from every node: a write on any node is read back on
// every node (linearizable reads), a client on a follower sees its own pipelined writes, WATCH and
// MULTI/EXEC work through a follower and answer byte for byte as on the leader, CLUSTER
// SLOTS/NODES point at the leader, and ioredis's Cluster client and `redis-cli -c` work against it.
// (Relays, forged or refused, are in relay-peer.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { main as statusMain } from '../../src/runtime/cluster/status.js';
import { encodeCommand } from '../server/helpers.js';
import { call, freePort, RawClient, show, TestCluster, waitFor } from './helpers.js';

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start(3);
});

after(async () => {
  await cluster?.cleanup();
});

test('a write on any node is readable on every node', async () => {
  await cluster.leader();
  for (const [i, node] of cluster.nodes.entries()) {
    assert.equal(show(await call(node.port, 'SET', `from-${node.id}`, `value-${i}`)), 'OK');
  }
  for (const node of cluster.nodes) {
    for (const [i, writer] of cluster.nodes.entries()) {
      assert.equal(show(await call(node.port, 'GET', `from-${writer.id}`)), `value-${i}`, `${node.id} reads ${writer.id}'s write`);
    }
  }
});

test('a client on a follower sees its own writes, pipelined', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  const client = await RawClient.connect(follower.port);
  try {
    const rounds = 200;
    for (let i = 0; i < rounds; i++) {
      client.command('SET', 'own', String(i));
      client.command('INCR', 'own-counter');
      client.command('GET', 'own');
    }
    const replies = (await client.replies(rounds * 3, 30_000)).map(show);
    for (let i = 0; i < rounds; i++) {
      assert.equal(replies[i * 3], 'OK');
      assert.equal(replies[i * 3 + 1], i + 1);
      assert.equal(replies[i * 3 + 2], String(i), `round ${i} reads its own SET`);
    }
  } finally {
    client.close();
  }
});

test('WATCH and MULTI/EXEC through a follower', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 2) % 3]!;
  const a = await RawClient.connect(follower.port);
  try {
    assert.equal(show(await a.call('SET', 'watched', '1')), 'OK');
    assert.equal(show(await a.call('WATCH', 'watched')), 'OK');
    assert.equal(show(await a.call('MULTI')), 'OK');
    assert.equal(show(await a.call('INCR', 'watched')), 'QUEUED');
    assert.deepEqual(show(await a.call('EXEC')), [2]);
    assert.equal(show(await a.call('WATCH', 'watched')), 'OK');
    // Another client changes the key on the leader in between: the transaction must abort.
    assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', 'watched', '10')), 'OK');
    assert.equal(show(await a.call('MULTI')), 'OK');
    assert.equal(show(await a.call('INCR', 'watched')), 'QUEUED');
    assert.equal(show(await a.call('EXEC')), null);
    assert.equal(show(await a.call('GET', 'watched')), '10');
  } finally {
    a.close();
  }
});

test('a client on a follower WATCHes its own just-relayed write (the version is read through the leader, not the lagging local state)', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  const a = await RawClient.connect(follower.port);
  try {
    // Each round writes a fresh key through the follower and watches it at once: a version read
    // from the follower's applied state can miss that write and abort the EXEC.
    for (let round = 0; round < 60; round++) {
      const key = `own-watch-${round}`;
      assert.equal(show(await a.call('SET', key, '1')), 'OK');
      assert.equal(show(await a.call('WATCH', key)), 'OK');
      assert.equal(show(await a.call('MULTI')), 'OK');
      assert.equal(show(await a.call('INCR', key)), 'QUEUED');
      assert.deepEqual(show(await a.call('EXEC')), [2], `round ${round}`);
    }
  } finally {
    a.close();
  }
});

test('CLUSTER SLOTS, SHARDS and NODES name the leader as the one primary', async () => {
  const leader = cluster.nodes[await cluster.leader()]!;
  for (const node of cluster.nodes) {
    const slots = show(await call(node.port, 'CLUSTER', 'SLOTS')) as unknown[][];
    assert.equal(slots.length, 1);
    assert.deepEqual(slots[0]!.slice(0, 2), [0, 16383]);
    assert.deepEqual((slots[0]![2] as unknown[]).slice(0, 2), ['127.0.0.1', leader.port]);
    assert.equal(slots[0]!.length, 2 + 3, 'the primary and two replicas');
    const nodes = show(await call(node.port, 'CLUSTER', 'NODES')) as string;
    const lines = nodes.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines.filter((l) => /[ ,]master /.test(l) && l.endsWith(' 0-16383')).length, 1);
    assert.ok(lines.some((l) => l.includes(`127.0.0.1:${leader.port}@`) && l.includes('master')), nodes);
    assert.ok(lines.some((l) => l.includes('myself')), nodes);
    const myid = show(await call(node.port, 'CLUSTER', 'MYID')) as string;
    assert.match(myid, /^[0-9a-f]{40}$/);
    const shards = show(await call(node.port, 'CLUSTER', 'SHARDS')) as unknown[][];
    assert.equal(shards.length, 1);
  }
  const info = await cluster.info(0);
  assert.equal(info.cluster_state, 'ok');
  assert.equal(info.cairn_leader, leader.id);
  // Each data directory has its own incarnation, the one its peers know it by.
  const incarnations = await Promise.all(cluster.nodes.map(async (_, i) => (await cluster.info(i)).cairn_incarnation));
  for (const incarnation of incarnations) assert.match(String(incarnation), /^[0-9a-f]{16}$/);
  assert.equal(new Set(incarnations).size, 3, incarnations.join(' '));
});

test('ioredis Cluster reads and writes through the cluster', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  const client = new Redis.Cluster([{ host: '127.0.0.1', port: follower.port }], { enableOfflineQueue: true, clusterRetryStrategy: () => null });
  try {
    for (let i = 0; i < 50; i++) assert.equal(await client.set(`io-${i}`, String(i)), 'OK');
    for (let i = 0; i < 50; i++) assert.equal(await client.get(`io-${i}`), String(i));
    assert.equal(await client.incrby('io-counter', 5), 5);
  } finally {
    client.disconnect();
  }
});

test('redis-cli -c works against a follower', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  const run = (...args: string[]) => spawnSync('redis-cli', ['-c', '-p', String(follower.port), ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run('SET', 'cli-key', 'cli-value').stdout.trim(), 'OK');
  assert.equal(run('GET', 'cli-key').stdout.trim(), 'cli-value');
  for (const node of cluster.nodes) assert.equal(show(await call(node.port, 'GET', 'cli-key')), 'cli-value');
});

test('cairn status shows one leader, terms and indexes for every node, and a down node as down', async () => {
  const leader = await cluster.leader();
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  let code: number;
  try {
    const nodes = [...cluster.nodes.map((n) => `127.0.0.1:${n.port}`), `127.0.0.1:${await freePort()}`].join(',');
    code = await statusMain(['--nodes', nodes, '--timeout-ms', '3000']);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0);
  assert.equal(lines.length, 1 + 4, lines.join('\n'));
  assert.equal(lines.filter((l) => / leader /.test(l)).length, 1, lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(cluster.nodes[leader]!.id) && l.includes(' leader ')), lines.join('\n'));
  assert.match(lines[4]!, /down/);
});

test('a key with a TTL set through a follower expires on every node, and the leader deletes it through the log', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  const ttlMs = 1_500;
  const setAtMs = Date.now();
  assert.equal(show(await call(follower.port, 'SET', 'short-lived', 'x', 'PX', String(ttlMs))), 'OK');
  // Every node serves the key until its time runs out; the expiry time is the leader's clock when
  // it applied the SET, which is after setAtMs, so a node may only miss it once ttlMs has passed.
  for (const node of cluster.nodes) {
    const value = show(await call(node.port, 'GET', 'short-lived'));
    if (value === null) assert.ok(Date.now() - setAtMs >= ttlMs, `${node.id} lost the key ${Date.now() - setAtMs} ms after the SET, before its ${ttlMs} ms TTL`);
    else assert.equal(value, 'x');
  }
  await waitFor('the key gone on every node', async () => {
    const values = await Promise.all(cluster.nodes.map(async (n) => show(await call(n.port, 'EXISTS', 'short-lived'))));
    return values.every((v) => v === 0) ? true : undefined;
  }, 10_000);
  // Active expiry: the deletion is an entry, so the key count drops on the followers too.
  const dbsize = async (port: number): Promise<number> => show(await call(port, 'DBSIZE')) as number;
  const before = await dbsize(cluster.nodes[leader]!.port);
  await waitFor('every node holds as many keys as the leader', async () => {
    const sizes = await Promise.all(cluster.nodes.map((n) => dbsize(n.port)));
    return sizes.every((s) => s === sizes[0]) && sizes[0]! <= before ? true : undefined;
  }, 10_000);
});

/** Every reply's raw bytes for one script, sent one command at a time on a fresh connection. */
async function rawReplies(port: number, protocol: 2 | 3, prefix: string, script: readonly string[][]): Promise<Buffer> {
  const client = await RawClient.connect(port);
  try {
    if (protocol === 3) await client.call('HELLO', '3');
    const start = client.raw.length;
    for (const argv of script) await client.call(...argv.map((arg) => arg.replaceAll('{p}', prefix)));
    return client.raw.subarray(start);
  } finally {
    client.close();
  }
}

test('differential: a follower relays replies byte for byte as the leader answers them (RESP2 and RESP3, MULTI/EXEC, WATCH abort)', async () => {
  const leaderIndex = await cluster.leader();
  const leader = cluster.nodes[leaderIndex]!;
  const follower = cluster.nodes[(leaderIndex + 1) % 3]!;
  const script: string[][] = [
    ['SET', '{p}a', '1'], ['GET', '{p}a'], ['GET', '{p}missing'], ['INCR', '{p}n'], ['INCRBYFLOAT', '{p}f', '1.5'],
    ['SET', '{p}s', 'v', 'GET'], ['SET', '{p}s', 'w', 'GET'], ['SET', '{p}s', 'x', 'NX'], ['MGET', '{p}a', '{p}missing', '{p}s'],
    ['MULTI'], ['SET', '{p}b', 'x'], ['GET', '{p}none'], ['INCR', '{p}n'], ['SET', '{p}b', 'y', 'GET'], ['EXPIRE', '{p}b', '100'], ['TTL', '{p}b'], ['EXEC'],
    ['MULTI'], ['INCR', '{p}b'], ['SET', '{p}c', 'z'], ['EXEC'],
    ['MULTI'], ['SET', '{p}d'], ['EXEC'],
    ['WATCH', '{p}w'], ['SET', '{p}w', 'mine'], ['MULTI'], ['SET', '{p}w', 'theirs'], ['EXEC'], ['GET', '{p}w'],
    ['DEL', '{p}a', '{p}missing'], ['EXISTS', '{p}a', '{p}b', '{p}c'], ['GETDEL', '{p}c'], ['GETDEL', '{p}c'],
  ];
  for (const protocol of [2, 3] as const) {
    const direct = await rawReplies(leader.port, protocol, `diff${protocol}:leader:`, script);
    const relayed = await rawReplies(follower.port, protocol, `diff${protocol}:follower:`, script);
    assert.equal(relayed.toString('latin1'), direct.toString('latin1'), `RESP${protocol}: the follower answers as the leader`);
  }
});

test('backpressure on a follower: linearizable GETs a client never reads stay bounded in memory', async () => {
  const leader = await cluster.leader();
  const follower = cluster.nodes[(leader + 1) % 3]!;
  assert.equal(show(await call(cluster.nodes[leader]!.port, 'SET', 'bp:big', 'v'.repeat(1024 * 1024))), 'OK');
  const greedy = await RawClient.connect(follower.port);
  const other = await RawClient.connect(follower.port);
  try {
    const greedyId = show(await greedy.call('CLIENT', 'ID'));
    greedy.socket.pause();
    // 4,000 replies of 1 MiB: 4 GiB if the follower encoded every answered read at once.
    greedy.send(Buffer.concat(new Array<Buffer>(4000).fill(encodeCommand(['GET', 'bp:big']))));
    const line = await waitFor('the greedy client to have replies it does not read', async () => {
      const list = String(show(await other.call('CLIENT', 'LIST')));
      const mine = list.split('\n').find((l) => l.startsWith(`id=${greedyId} `));
      return mine !== undefined && /omem=[1-9]/.test(mine) ? mine : undefined;
    }, 30_000);
    const omemBytes = Number(/omem=(\d+)/.exec(line)![1]);
    assert.ok(omemBytes < 64 * 1024 * 1024, `omem ${omemBytes}`);
    const rss = /used_memory_rss:(\d+)/.exec(String(show(await other.call('INFO', 'memory'))));
    assert.ok(rss !== null && Number(rss[1]) < 400 * 1024 * 1024, `rss ${rss?.[1]}`);
    assert.equal(show(await other.call('PING')), 'PONG');
  } finally {
    greedy.close();
    other.close();
  }
});

test('GET /health is 200 on every node and /metrics has the Raft gauges and the commit latency histogram', async () => {
  const leader = cluster.nodes[await cluster.leader()]!;
  assert.equal(show(await call(leader.port, 'SET', 'metered', '1')), 'OK');
  for (const node of cluster.nodes) {
    const health = await fetch(`http://127.0.0.1:${node.httpPort}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { leader: string }).leader, leader.id);
  }
  const text = await (await fetch(`http://127.0.0.1:${leader.httpPort}/metrics`)).text();
  assert.match(text, /^cairn_raft_is_leader 1$/m);
  assert.match(text, /^cairn_raft_term [1-9]\d*$/m);
  assert.match(text, /^cairn_commit_latency_seconds_count [1-9]\d*$/m);
  assert.match(text, /^cairn_fsync_latency_seconds_count [1-9]\d*$/m);
  assert.match(text, /^cairn_follower_lag_entries\{follower="n\d"\} \d+$/m);
  assert.match(text, /^cairn_data_bytes [1-9]\d*$/m);
  assert.equal((await fetch(`http://127.0.0.1:${leader.httpPort}/nope`)).status, 404);
});

test('INFO replication: the leader is the master with two replicas, followers name it', async () => {
  const leader = cluster.nodes[await cluster.leader()]!;
  const fields = async (port: number): Promise<Record<string, string>> => {
    const text = show(await call(port, 'INFO', 'replication')) as string;
    return Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
  };
  const onLeader = await fields(leader.port);
  assert.equal(onLeader.role, 'master');
  assert.equal(onLeader.connected_slaves, '2');
  assert.match(onLeader.slave0 ?? '', /^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/);
  for (const node of cluster.nodes.filter((n) => n !== leader)) {
    const onFollower = await fields(node.port);
    assert.equal(onFollower.role, 'slave');
    assert.equal(onFollower.master_port, String(leader.port));
    assert.equal(onFollower.master_link_status, 'up');
  }
});
